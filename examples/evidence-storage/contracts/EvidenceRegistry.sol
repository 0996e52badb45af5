// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// Judicial evidence storage (司法存证): a fingerprint (Keccak-256 or SM3 digest) of an evidence
/// file is registered once, with the signatures of at least `threshold` distinct parties (the
/// court, the arbitration body, the notary…), each checked on chain with ecrecover over
/// `digestOf(fingerprint, algorithm)`. Anyone may submit; the registration records who signed,
/// when (block number and timestamp) and a description.
contract EvidenceRegistry {
    uint8 public constant ALGORITHM_KECCAK256 = 1;
    uint8 public constant ALGORITHM_SM3 = 2;

    struct Evidence {
        address submitter;
        uint64 blockNumber;
        uint64 timestamp;
        uint8 algorithm;
        string description;
        address[] signers;
    }

    uint256 public immutable threshold;
    address[] private partyList;
    mapping(address => string) public partyName;
    mapping(bytes32 => Evidence) private evidences;
    uint256 public evidenceCount;

    event EvidenceRegistered(
        bytes32 indexed fingerprint, uint8 algorithm, address indexed submitter, address[] signers, string description
    );

    constructor(address[] memory parties_, string[] memory names_, uint256 threshold_) {
        require(parties_.length == names_.length, "one name per party");
        require(threshold_ >= 1 && threshold_ <= parties_.length, "threshold out of range");
        for (uint256 i = 0; i < parties_.length; i++) {
            require(parties_[i] != address(0) && bytes(names_[i]).length > 0, "party needs an address and a name");
            require(bytes(partyName[parties_[i]]).length == 0, "party listed twice");
            partyName[parties_[i]] = names_[i];
            partyList.push(parties_[i]);
        }
        threshold = threshold_;
    }

    /// What each party signs: binds the fingerprint and its algorithm to this registry.
    function digestOf(bytes32 fingerprint, uint8 algorithm) public view returns (bytes32) {
        return keccak256(abi.encodePacked("consortia-evidence:", address(this), fingerprint, algorithm));
    }

    function parties() external view returns (address[] memory) {
        return partyList;
    }

    /// Registers `fingerprint` with 65-byte signatures (r ‖ s ‖ v) of distinct parties.
    function register(bytes32 fingerprint, uint8 algorithm, string calldata description, bytes[] calldata signatures)
        external
    {
        require(algorithm == ALGORITHM_KECCAK256 || algorithm == ALGORITHM_SM3, "unknown fingerprint algorithm");
        require(evidences[fingerprint].submitter == address(0), "evidence already registered");
        require(signatures.length >= threshold, "not enough party signatures");
        bytes32 digest = digestOf(fingerprint, algorithm);
        address[] memory signers = new address[](signatures.length);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = recoverSigner(digest, signatures[i]);
            require(bytes(partyName[signer]).length > 0, "signature of a non-party");
            for (uint256 j = 0; j < i; j++) {
                require(signers[j] != signer, "party signed twice");
            }
            signers[i] = signer;
        }
        Evidence storage e = evidences[fingerprint];
        e.submitter = msg.sender;
        e.blockNumber = uint64(block.number);
        e.timestamp = uint64(block.timestamp);
        e.algorithm = algorithm;
        e.description = description;
        e.signers = signers;
        evidenceCount++;
        emit EvidenceRegistered(fingerprint, algorithm, msg.sender, signers, description);
    }

    function evidenceOf(bytes32 fingerprint)
        external
        view
        returns (
            bool exists,
            address submitter,
            uint64 blockNumber,
            uint64 timestamp,
            uint8 algorithm,
            string memory description,
            address[] memory signers
        )
    {
        Evidence storage e = evidences[fingerprint];
        return (e.submitter != address(0), e.submitter, e.blockNumber, e.timestamp, e.algorithm, e.description, e.signers);
    }

    function recoverSigner(bytes32 digest, bytes calldata signature) internal pure returns (address) {
        require(signature.length == 65, "signature must be 65 bytes");
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        address signer = ecrecover(digest, v, r, s);
        require(signer != address(0), "invalid signature");
        return signer;
    }
}
