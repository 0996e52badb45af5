/** @consortia/testkit — under construction in this change. */
export {}
