// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// Supply-chain finance on receivables (应收账款): a core enterprise issues a receivable (its
/// promise to pay an amount at a due date) to a supplier; holders split it and transfer the
/// parts along the supply chain; a holder offers a receivable to a bank at a price and the bank
/// discounts it (becomes the holder); at maturity the core enterprise repays the holder.
/// Roles: the admin grants and revokes ISSUER (core enterprises) and FINANCIER (banks); only
/// issuers issue and only financiers discount.
contract ReceivableFinance {
    uint8 public constant ROLE_ISSUER = 1;
    uint8 public constant ROLE_FINANCIER = 2;

    uint8 public constant STATE_ACTIVE = 1;
    uint8 public constant STATE_DISCOUNTED = 2;
    uint8 public constant STATE_REPAID = 3;

    struct Receivable {
        address issuer;
        address holder;
        uint256 amount;
        uint64 dueDate;
        uint256 parentId;
        uint8 state;
        address offeredTo;
        uint256 offerPrice;
        uint256 discountPrice;
    }

    address public immutable admin;
    mapping(address => mapping(uint8 => bool)) public hasRole;
    mapping(uint256 => Receivable) private receivables;
    uint256 public receivableCount;

    event RoleChanged(address indexed account, uint8 role, bool granted);
    event Issued(uint256 indexed id, address indexed issuer, address indexed holder, uint256 amount, uint64 dueDate);
    event Split(uint256 indexed parentId, uint256 indexed childId, address indexed to, uint256 amount);
    event Transferred(uint256 indexed id, address indexed from, address indexed to);
    event DiscountOffered(uint256 indexed id, address indexed financier, uint256 price);
    event Discounted(uint256 indexed id, address indexed financier, address indexed seller, uint256 price);
    event Repaid(uint256 indexed id, address indexed holder, uint256 amount);

    constructor() {
        admin = msg.sender;
    }

    modifier onlyAdmin() {
        require(msg.sender == admin, "only the admin");
        _;
    }

    modifier onlyHolder(uint256 id) {
        Receivable storage r = receivables[id];
        require(r.state != 0, "no such receivable");
        require(r.holder == msg.sender, "not the holder");
        require(r.state != STATE_REPAID, "receivable repaid");
        _;
    }

    function grantRole(address account, uint8 role) external onlyAdmin {
        require(role == ROLE_ISSUER || role == ROLE_FINANCIER, "unknown role");
        hasRole[account][role] = true;
        emit RoleChanged(account, role, true);
    }

    function revokeRole(address account, uint8 role) external onlyAdmin {
        require(role == ROLE_ISSUER || role == ROLE_FINANCIER, "unknown role");
        hasRole[account][role] = false;
        emit RoleChanged(account, role, false);
    }

    /// A core enterprise promises to pay `amount` to `supplier` at `dueDate` (ms since epoch).
    function issue(address supplier, uint256 amount, uint64 dueDate) external returns (uint256 id) {
        require(hasRole[msg.sender][ROLE_ISSUER], "not an issuer");
        require(supplier != address(0) && supplier != msg.sender, "supplier must be another account");
        require(amount > 0, "amount must be positive");
        require(dueDate > block.timestamp, "due date must be in the future");
        id = ++receivableCount;
        receivables[id] = Receivable(msg.sender, supplier, amount, dueDate, 0, STATE_ACTIVE, address(0), 0, 0);
        emit Issued(id, msg.sender, supplier, amount, dueDate);
    }

    /// Splits `amount` off an active receivable into a new one held by `to` (same issuer, due date).
    function split(uint256 id, address to, uint256 amount) external onlyHolder(id) returns (uint256 childId) {
        Receivable storage r = receivables[id];
        require(r.state == STATE_ACTIVE, "receivable not active");
        require(to != address(0), "recipient required");
        require(amount > 0 && amount < r.amount, "split amount must be between 0 and the receivable's amount");
        r.amount -= amount;
        r.offeredTo = address(0);
        childId = ++receivableCount;
        receivables[childId] = Receivable(r.issuer, to, amount, r.dueDate, id, STATE_ACTIVE, address(0), 0, 0);
        emit Split(id, childId, to, amount);
    }

    /// Transfers a whole active receivable to `to`.
    function transfer(uint256 id, address to) external onlyHolder(id) {
        Receivable storage r = receivables[id];
        require(r.state == STATE_ACTIVE, "receivable not active");
        require(to != address(0) && to != msg.sender, "recipient must be another account");
        r.holder = to;
        r.offeredTo = address(0);
        emit Transferred(id, msg.sender, to);
    }

    /// The holder offers the receivable to a bank at `price` (what the bank pays, below the amount).
    function offerDiscount(uint256 id, address financier, uint256 price) external onlyHolder(id) {
        Receivable storage r = receivables[id];
        require(r.state == STATE_ACTIVE, "receivable not active");
        require(hasRole[financier][ROLE_FINANCIER], "not a financier");
        require(price > 0 && price <= r.amount, "price must be between 0 and the amount");
        r.offeredTo = financier;
        r.offerPrice = price;
        emit DiscountOffered(id, financier, price);
    }

    /// The bank accepts the offer: it becomes the holder; the receivable is discounted.
    function discount(uint256 id) external {
        require(hasRole[msg.sender][ROLE_FINANCIER], "not a financier");
        Receivable storage r = receivables[id];
        require(r.state == STATE_ACTIVE, "receivable not active");
        require(r.offeredTo == msg.sender, "no offer to this financier");
        address seller = r.holder;
        r.holder = msg.sender;
        r.state = STATE_DISCOUNTED;
        r.discountPrice = r.offerPrice;
        r.offeredTo = address(0);
        emit Discounted(id, msg.sender, seller, r.discountPrice);
    }

    /// The issuer records that it paid the holder at maturity.
    function repay(uint256 id) external {
        Receivable storage r = receivables[id];
        require(r.state == STATE_ACTIVE || r.state == STATE_DISCOUNTED, "receivable not outstanding");
        require(r.issuer == msg.sender, "only the issuer repays");
        r.state = STATE_REPAID;
        emit Repaid(id, r.holder, r.amount);
    }

    function receivableOf(uint256 id)
        external
        view
        returns (
            address issuer,
            address holder,
            uint256 amount,
            uint64 dueDate,
            uint256 parentId,
            uint8 state,
            address offeredTo,
            uint256 offerPrice,
            uint256 discountPrice
        )
    {
        Receivable storage r = receivables[id];
        require(r.state != 0, "no such receivable");
        return (r.issuer, r.holder, r.amount, r.dueDate, r.parentId, r.state, r.offeredTo, r.offerPrice, r.discountPrice);
    }
}
