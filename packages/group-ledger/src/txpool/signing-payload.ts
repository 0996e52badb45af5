/**
 * `signingPayloadFromRaw` moved to `@consortia/protocol` (next to `txSignatureBytesFromRaw`,
 * which cuts the signature out of the raw bytes the same way); re-exported here so existing
 * imports from `@consortia/group-ledger` keep working.
 */
export { signingPayloadFromRaw } from '@consortia/protocol'
