/** @consortia/crypto — under construction in this change. */
export {}
