/** @consortia/consensus-pbft — under construction in this change. */
export {}
