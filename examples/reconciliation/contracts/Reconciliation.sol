// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

import "./ParallelContract.sol";

/// Inter-institution reconciliation: two banks record, account by account, the amounts of a
/// transfer batch as each of them booked it; each bank closes the batch with its control totals
/// (sum and number of accounts); `reconcile` compares both sides account by account and against
/// the control totals, flags every difference with an event and stores the outcome.
/// `record` is a parallel function keyed by the account: records of different accounts run in
/// parallel on a node with the parallel executor.
contract Reconciliation is ParallelContract {
    uint8 public constant STATUS_OPEN = 0;
    uint8 public constant STATUS_MATCHED = 1;
    uint8 public constant STATUS_MISMATCHED = 2;

    address public immutable bankA;
    address public immutable bankB;
    address public immutable operator;

    struct Declared {
        bool closed;
        uint256 total;
        uint256 accounts;
    }

    struct Result {
        uint8 status;
        uint256 totalA;
        uint256 totalB;
        uint256 mismatches;
    }

    mapping(bytes32 => mapping(address => mapping(string => uint256))) private recorded;
    mapping(bytes32 => mapping(address => Declared)) private declared;
    mapping(bytes32 => Result) private results;

    event BatchClosed(string batchId, address indexed bank, uint256 total, uint256 accounts);
    event Mismatch(string batchId, string account, uint256 amountA, uint256 amountB);
    event ControlTotalMismatch(string batchId, address indexed bank, uint256 declaredTotal, uint256 recordedTotal);
    event BatchReconciled(string batchId, uint8 status, uint256 totalA, uint256 totalB, uint256 mismatches);

    constructor(address bankA_, address bankB_) {
        require(bankA_ != address(0) && bankB_ != address(0) && bankA_ != bankB_, "two distinct banks");
        bankA = bankA_;
        bankB = bankB_;
        operator = msg.sender;
    }

    modifier onlyBank() {
        require(msg.sender == bankA || msg.sender == bankB, "not a bank of this reconciliation");
        _;
    }

    function enableParallel() external override {
        require(msg.sender == operator, "only the operator");
        registerParallelFunction("record(string,string,uint256)", 1);
    }

    function disableParallel() external override {
        require(msg.sender == operator, "only the operator");
        unregisterParallelFunction("record(string,string,uint256)");
    }

    /// Adds `amount` to what the calling bank booked for `account` in batch `batchId`.
    function record(string calldata account, string calldata batchId, uint256 amount) external onlyBank {
        bytes32 key = keccak256(bytes(batchId));
        require(!declared[key][msg.sender].closed, "batch closed by this bank");
        recorded[key][msg.sender][account] += amount;
    }

    /// The calling bank's control totals for `batchId`; no more records from it afterwards.
    function closeBatch(string calldata batchId, uint256 total, uint256 accounts) external onlyBank {
        bytes32 key = keccak256(bytes(batchId));
        Declared storage d = declared[key][msg.sender];
        require(!d.closed, "batch already closed by this bank");
        d.closed = true;
        d.total = total;
        d.accounts = accounts;
        emit BatchClosed(batchId, msg.sender, total, accounts);
    }

    /// Compares both banks' records over `accounts` (the union of both banks' accounts, each
    /// once) and each bank's records with its control total.
    function reconcile(string calldata batchId, string[] calldata accounts) external onlyBank returns (uint8) {
        bytes32 key = keccak256(bytes(batchId));
        require(results[key].status == STATUS_OPEN, "batch already reconciled");
        Declared storage da = declared[key][bankA];
        Declared storage db = declared[key][bankB];
        require(da.closed && db.closed, "both banks must close the batch first");
        uint256 sumA;
        uint256 sumB;
        uint256 mismatches;
        for (uint256 i = 0; i < accounts.length; i++) {
            uint256 a = recorded[key][bankA][accounts[i]];
            uint256 b = recorded[key][bankB][accounts[i]];
            sumA += a;
            sumB += b;
            if (a != b) {
                mismatches++;
                emit Mismatch(batchId, accounts[i], a, b);
            }
        }
        bool totalsOk = true;
        if (sumA != da.total) {
            totalsOk = false;
            emit ControlTotalMismatch(batchId, bankA, da.total, sumA);
        }
        if (sumB != db.total) {
            totalsOk = false;
            emit ControlTotalMismatch(batchId, bankB, db.total, sumB);
        }
        uint8 status = (mismatches == 0 && totalsOk) ? STATUS_MATCHED : STATUS_MISMATCHED;
        results[key] = Result(status, sumA, sumB, mismatches);
        emit BatchReconciled(batchId, status, sumA, sumB, mismatches);
        return status;
    }

    function recordedAmount(string calldata batchId, address bank, string calldata account)
        external
        view
        returns (uint256)
    {
        return recorded[keccak256(bytes(batchId))][bank][account];
    }

    function declaredTotals(string calldata batchId, address bank)
        external
        view
        returns (bool closed, uint256 total, uint256 accounts)
    {
        Declared storage d = declared[keccak256(bytes(batchId))][bank];
        return (d.closed, d.total, d.accounts);
    }

    function batchResult(string calldata batchId)
        external
        view
        returns (uint8 status, uint256 totalA, uint256 totalB, uint256 mismatches)
    {
        Result storage r = results[keccak256(bytes(batchId))];
        return (r.status, r.totalA, r.totalB, r.mismatches);
    }
}
