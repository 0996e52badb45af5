/** The part of sm-crypto 0.5.8 (no bundled types) that the cross-check test uses. */
declare module 'sm-crypto' {
  export const sm2: {
    generateKeyPairHex(): { privateKey: string; publicKey: string }
    doSignature(
      msg: number[] | string,
      privateKey: string,
      options?: { hash?: boolean; publicKey?: string },
    ): string
    doVerifySignature(
      msg: number[] | string,
      signature: string,
      publicKey: string,
      options?: { hash?: boolean },
    ): boolean
  }
}
