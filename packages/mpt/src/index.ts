/** @consortia/mpt — under construction in this change. */
export {}
