// Test vectors copied as values. Each constant names its source.

/** GB/T 32905-2016 SM3 examples (abc, abcd×16) and the empty-string digest; via shared fixture sm-vectors.json. */
export const SM3_VECTORS = [
  {
    input_ascii: 'abc',
    digest: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  },
  {
    input_ascii: 'abcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcdabcd',
    digest: 'debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732',
  },
  {
    input_ascii: '',
    digest: '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b',
  },
] as const

/** GB/T 32907-2016 Annex A SM4 example 1 (one block) and example 2 (1,000,000 encryptions); via sm-vectors.json. */
export const SM4_VECTOR = {
  key: '0123456789abcdeffedcba9876543210',
  plaintext: '0123456789abcdeffedcba9876543210',
  ciphertext: '681edf34d206965e86b3e94f536e4246',
  ciphertext_after_1000000_encryptions: '595298c7c6fd271f0402f804c33d3f66',
} as const

/** GB/T 32918.5-2017 Annex A: SM2 signature example on sm2p256v1; via sm-vectors.json. */
export const SM2_RECOMMENDED_VECTOR = {
  source: 'GB/T 32918.5-2017 Annex A signature example on sm2p256v1',
  id_ascii: '1234567812345678',
  message_ascii: 'message digest',
  d: '3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8',
  Px: '09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020',
  Py: 'ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13',
  ZA: 'b2e14c5c79c6df5b85f4fe7ed8db7a262b9da7e07ccb0ea9f4747b8ccda8a4f3',
  e: 'f0b43e94ba45accaace692ed534382eb17e6ab5a19ce7b31f4486fdfc0d28640',
  k: '59276e27d506861a16680f3ad9c02dccef3cc1fa3cdbe4ce6d54b80deac1bc21',
  r: 'f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3',
  s: 'b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa',
  note: '(r, n-s) must not verify',
} as const

/** GB/T 32918.2 Annex A: SM2 signature example on the example Fp-256 curve; via sm-vectors.json. */
export const SM2_EXAMPLE_VECTOR = {
  source: 'GB/T 32918.2 Annex A (example curve, not for production)',
  p: '8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3',
  a: '787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498',
  b: '63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249a',
  Gx: '421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43d',
  Gy: '0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2',
  n: '8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7',
  id_ascii: 'ALICE123@YAHOO.COM',
  message_ascii: 'message digest',
  d: '128b2fa8bd433c6c068c8d803dff79792a519a55171b1b650c23661d15897263',
  Px: '0ae4c7798aa0f119471bee11825be46202bb79e2a5844495e97c04ff4df2548a',
  Py: '7c0240f88f1cd4e16352a73c17b7f16f07353e53a176d684a9fe0c6bb798e857',
  ZA: 'f4a38489e32b45b6f876e3ac2168ca392362dc8f23459c1d1146fc3dbfb7bc9a',
  e: 'b524f552cd82b8b028476e005c377fb19a87e6fc682d48bb5d42e3d9b9effe76',
  k: '6cb28d99385c175c94f94e934817663fc176d925dd72b727260dbaae1fb2f96f',
  r: '40f1ec59f793d9f49e09dcef49130d4194f79fb1eed2caa55bacdb49c4e755d1',
  s: '6fc6dac32c5d5cf10c77dfb20f7c2eb667a457872fb09ec56327a67ec7deebe7',
} as const

/**
 * FISCO 2.x transactions from the FISCO docs (api.md) and the node's unit tests, via fixture
 * fisco-2x-tx-fixtures.json: signing hash, sender, and r/s/v (or the SM2 key) cut from the raw RLP.
 * The SM unit-test entry does not verify under standard SM2 (`verifies: false`).
 */
export const TX_VECTORS = [
  {
    name: 'doc RC1 ECDSA (api.md sendRawTransaction "RC1 Request"; expected result 0x7536cf12...)',
    mode: 'ecdsa',
    signingHash: '0x3df5761ad6a0cfa6bf8509cf8f50677c1aed45d694d51548d01513b71aa3870c',
    sender: '0x6bc952a2e4db9c0c86a368d83e9df0c6ab481102',
    r: '0b2b3fabd8598fefdda4efdb54f626367fc68e1735a8047f0f1c4f840255ca1e',
    s: '512500bc29f4cfe18ee1c88683006d73e56c934100b8abf4d2334560e1d2f75e',
    v: 28,
  },
  {
    name: 'doc RC2 ECDSA (api.md "RC2 Request"; expected result 0x0accad42...)',
    mode: 'ecdsa',
    signingHash: '0xe50ba1bfe517c0fcb0b376af27d49e2ad534ed57e8320e5a00a3d8124478a4d3',
    sender: '0x148947262ec5e21739fe3a931c29e8b84ee34a0f',
    r: '8e0d3fae10412c584c977721aeda88df932b2a019f084feda1e0a42d199ea979',
    s: '16c387f79eb85078be5db40abe1670b8b480a12c7eab719bedee212b7972f775',
    v: 27,
  },
  {
    name: 'doc RC2 SM (api.md guomi "RC2 Request")',
    mode: 'sm',
    signingHash: '0x7d195202f346568753cc7d561beda7a3027c876881f6139a027e9b7321c7cf4c',
    sender: '0x1a3fc157bd47c3fc2e260b34abbf481730d0f80f',
    r: '0f16d87c5065ad5c3b110ef0b97fe9a67b62443cb8ddde60d4e001a64429dc6e',
    s: '3d2569e0449e9a900c236541afb9d8a8d5e1a36844439c7076f6e75ed624256f',
    pub: '8234c544a9f3ce3b401a92cc7175602ce2a1e29b1ec135381c7d2a9e8f78f3edc9c06ee55252857c9a4560cb39e9d70d40f4331cace4d2b3121b967fa7a829f0',
    verifies: true,
  },
  {
    name: 'node unit test SM RC2 deploy (test/unittests/libethcore/TransactionTest.cpp rlpBytesRC2)',
    mode: 'sm',
    signingHash: '0x8cc6b56aff697489184c0ed11f87aa85e4f3e5a4b6d041a937c58ec865a3c129',
    sender: '0xcf1ffb4f88391a8d9da0ed9aefc27b24522299fa',
    r: '35fcfcd60f0ee3b088b673e70334bb56fbed5edc57555393621edb8c0ccdbee2',
    s: '075b746d47379a6a32534f792e75eb0f86d20ef77240f0b4ca78747e4e81b53f',
    pub: '0049d746344c4b535ed9462ac52c12d059e94946a663a4aa91d02af8df0e8e8336a2d32e1ee7745ca2769ea70e5f86cb2ec315f77bbf8de3a90c32ce2125ea8f',
    verifies: false,
  },
] as const

/** Block examples of the FISCO 2.x JSON-RPC docs (getBlockByHash, getBlockHeaderByHash), via fisco-2x-api-examples.json. */
export const BLOCK_VECTORS = [
  {
    method: 'getBlockByHash',
    hash: '0xfa639d1454362a8cdfcab1ca1948a5defaf7048b28f67e80780ab1e24e8f8c59',
    sealerList: [
      '4ca3a91a4937355dba6a2e5fe76141479a1fc44e9caa86750092dab64e0b8382f6b8476749c2d2de414350a54491620d38813d2a1442f524e36e3d9946109c4d',
    ],
    signatureList: [
      {
        index: '0x0',
        signature:
          '0x4602135870d9a4846e2536d4a48e831825a5d95768dd0d4f08544a0bd4c2af41242dec1751a05c07d7572027f8d6ac1625c48145beb004e2dce8b7ce9e2bb73d00',
      },
    ],
    transactionsRoot: '0xb880b08df3b43a9ffc334d7a526522b33e004ef95403d61d76454b6085b9b2f1',
    receiptsRoot: '0x69a04fa6073e4fc0947bac7ee6990e788d1e2c5ec0fe6c2436d0892e7f3c09d2',
  },
  {
    method: 'getBlockHeaderByHash',
    hash: '0x99576e7567d258bd6426ddaf953ec0c953778b2f09a078423103c6555aa4362d',
    sealerList: [
      '11e1be251ca08bb44f36fdeedfaeca40894ff80dfd80084607a75509edeaf2a9c6fee914f1e9efda571611cf4575a1577957edfd2baa9386bd63eb034868625f',
      '78a313b426c3de3267d72b53c044fa9fe70c2a27a00af7fea4a549a7d65210ed90512fc92b6194c14766366d434235c794289d66deff0796f15228e0e14a9191',
      '95b7ff064f91de76598f90bc059bec1834f0d9eeb0d05e1086d49af1f9c2f321062d011ee8b0df7644bd54c4f9ca3d8515a3129bbb9d0df8287c9fa69552887e',
      'b8acb51b9fe84f88d670646be36f31c52e67544ce56faf3dc8ea4cf1b0ebff0864c6b218fdcd9cf9891ebd414a995847911bd26a770f429300085f37e1131f36',
    ],
    signatureList: [
      {
        index: '0x2',
        signature:
          '0xae098aabc63a53b8dcb57da9a87f13aebf231bfe1704da88f125cee6b4b30ee0609d0720a97bed1900b96bc3e7a63584158340b5b7f802945241f61731f9358900',
      },
      {
        index: '0x0',
        signature:
          '0x411cb93f816549eba82c3bf8c03fa637036dcdee65667b541d0da06a6eaea80d16e6ca52bf1b08f77b59a834bffbc124c492ea7a1601d0c4fb257d97dc97cea600',
      },
      {
        index: '0x3',
        signature:
          '0xb5b41e49c0b2bf758322ecb5c86dc3a3a0f9b98891b5bbf50c8613a241f05f595ce40d0bb212b6faa32e98546754835b057b9be0b29b9d0c8ae8b38f7487b8d001',
      },
    ],
    transactionsRoot: '0xb563f70188512a085b5607cac0c35480336a566de736c83410a062c9acc785ad',
    receiptsRoot: '0x69a04fa6073e4fc0947bac7ee6990e788d1e2c5ec0fe6c2436d0892e7f3c09d2',
  },
] as const

/** The receipt of getBatchReceiptsByBlockNumberAndRange in the FISCO 2.x docs (pre-2.9 layout) and its block's receipt root. */
export const RECEIPT_VECTOR = {
  receiptRoot: '0x69a04fa6073e4fc0947bac7ee6990e788d1e2c5ec0fe6c2436d0892e7f3c09d2',
  receipt: {
    contractAddress: '0x0000000000000000000000000000000000000000',
    from: '0xb8e3901e6f5f842499fd537a7ac7151e546863ad',
    gasUsed: '0x5798',
    logs: [],
    output:
      '0x08c379a0000000000000000000000000000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000364572726f7220616464726573733a3863313763663331366331303633616236633839646638373565393663396630663562326637343400000000000000000000',
    status: '0x1a',
    to: '0x8c17cf316c1063ab6c89df875e96c9f0f5b2f744',
    transactionHash: '0xc6ec15fd1e4d696e66d7fbef6064bda3ed012bcb7744d09903ee289df65f7d53',
    transactionIndex: '0x0',
  },
} as const

/** getTransactionByHashWithProof example of the FISCO 2.x docs: a proof for tx index 0x32 (shape only: the block is not in the docs). */
export const TX_PROOF_VECTOR = {
  transactionIndex: '0x32',
  hash: '0xd2c12e211315ef09dbad53407bc820d062780232841534954f9c23ab11d8ab4c',
  txProof: [
    {
      left: [
        '30f0abfcf4ca152815548620e33d21fd0feaa7c78867791c751e57cb5aa38248c2',
        '31a864156ca9841da8176738bb981d5da9102d9703746039b3e5407fa987e5183e',
      ],
      right: [
        '33d8078d7e71df3544f8845a9db35aa35b2638e8468a321423152e64b9004367b4',
        '34343a4bce325ec8f6cf48517588830cd15f69b60a05598b78b03c3656d1fbf2f5',
        '35ac231554047ce77c0b31cd1c469f1f39ebe23404fa8ff6cc7819ad83e2c029e7',
        '361f6c588e650323e03afe6460dd89a9c061583e0d62c117ba64729d2c9d79317c',
        '377606f79f3e08b1ba3759eceada7fde3584f01822467855aa6356652f2499c738',
        '386722fe270659232c5572ba54ce23b474c85d8b709e7c08e85230afb1c155fe18',
        '39a9441d668e5e09a5619c365577c8c31365f44a984bde04300d4dbba190330c0b',
        '3a78a8c288120cbe612c24a33cce2731dd3a8fe6927d9ee25cb2350dba08a541f5',
        '3bd9b67256e201b5736f6081f39f83bcb917261144384570bdbb8766586c3bb417',
        '3c3158e5a82a1ac1ed41c4fd78d5be06bf79327f60b094895b886e7aae57cff375',
        '3de9a4d98c5ae658ffe764fbfa81edfdd4774e01b35ccb42beacb67064a5457863',
        '3e525e60c0f7eb935125f1156a692eb455ab4038c6b16390ce30937b0d1b314298',
        '3f1600afe67dec2d21582b8c7b76a15e569371d736d7bfc7a96c0327d280b91dfc',
      ],
    },
    {
      left: [
        '3577673b86ad4d594d86941d731f17d1515f4669483aed091d49f279d677cb19',
        '75603bfea5b44df4c41fbb99268364641896334f006af3a3f67edaa4b26477ca',
        '1339d43c526f0f34d8a0f4fb3bb47b716fdfde8d35697be5992e0888e4d794c9',
      ],
      right: [
        '63c8e574fb2ef52e995427a8acaa72c27073dd8e37736add8dbf36be4f609ecb',
        'e65353d911d6cc8ead3fad53ab24cab69a1e31df8397517b124f578ba908558d',
      ],
    },
    {
      left: [],
      right: [],
    },
  ],
} as const
