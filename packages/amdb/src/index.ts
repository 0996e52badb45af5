/** @consortia/amdb — under construction in this change. */
export {}
