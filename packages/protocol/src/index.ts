/** @consortia/protocol — under construction in this change. */
export {}
