/**
 * Solidity sources compiled by the tests. `Table.sol` restates FISCO BCOS 2.x
 * libprecompiled/solidity/Table.sol (interfaces only) in 0.8 syntax; `ParallelContract`
 * follows the ParallelContract.sol of github.com/FISCO-BCOS/java-sdk-demo
 * (src/main/java/org/fisco/bcos/sdk/demo/contract/sol/ParallelContract.sol). The other
 * contracts are written for these tests.
 */
export const TABLE_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
interface Condition {
  function EQ(string memory, int256) external view;
  function EQ(string memory, string memory) external view;
  function EQ(string memory, address) external view;
  function NE(string memory, int256) external view;
  function NE(string memory, string memory) external view;
  function GT(string memory, int256) external view;
  function GE(string memory, int256) external view;
  function LT(string memory, int256) external view;
  function LE(string memory, int256) external view;
  function limit(int256) external view;
  function limit(int256, int256) external view;
}
interface Entry {
  function getInt(string memory) external view returns (int256);
  function getUInt(string memory) external view returns (uint256);
  function getAddress(string memory) external view returns (address);
  function getBytes32(string memory) external view returns (bytes32);
  function getString(string memory) external view returns (string memory);
  function set(string memory, int256) external;
  function set(string memory, uint256) external;
  function set(string memory, string memory) external;
  function set(string memory, address) external;
}
interface Entries {
  function get(int256) external view returns (Entry);
  function size() external view returns (int256);
}
interface Table {
  function select(string memory, Condition) external view returns (Entries);
  function insert(string memory, Entry) external returns (int256);
  function update(string memory, Entry, Condition) external returns (int256);
  function remove(string memory, Condition) external returns (int256);
  function newEntry() external view returns (Entry);
  function newCondition() external view returns (Condition);
}
interface TableFactory {
  function openTable(string memory) external view returns (Table);
  function createTable(string memory, string memory, string memory) external returns (int256);
}
interface KVTable {
  function get(string memory) external view returns (bool, Entry);
  function set(string memory, Entry) external returns (int256);
  function newEntry() external view returns (Entry);
}
interface KVTableFactory {
  function openTable(string memory) external view returns (KVTable);
  function createTable(string memory, string memory, string memory) external returns (int256);
}
`

export const ERC20_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
contract Token {
  mapping(address => uint256) public balanceOf;
  uint256 public totalSupply;
  event Transfer(address indexed from, address indexed to, uint256 value);
  constructor(uint256 supply) { balanceOf[msg.sender] = supply; totalSupply = supply; emit Transfer(address(0), msg.sender, supply); }
  function transfer(address to, uint256 value) external returns (bool) {
    require(balanceOf[msg.sender] >= value, "insufficient balance");
    balanceOf[msg.sender] -= value;
    balanceOf[to] += value;
    emit Transfer(msg.sender, to, value);
    return true;
  }
}
contract Misc {
  uint256 public counter;
  function fail(string calldata reason) external pure { revert(reason); }
  function spin() external { while (true) { counter++; } }
  function memoryBomb() external pure returns (uint256) { uint256[] memory a = new uint256[](1 << 30); return a.length; }
  function recurse(uint256 n) public returns (uint256) { counter = n; return n == 0 ? 0 : this.recurse(n - 1) + 1; }
  function hashOf(bytes calldata data) external pure returns (bytes32) { return keccak256(data); }
  function env() external view returns (uint256, uint256, address) { return (block.number, block.timestamp, block.coinbase); }
  function deploy() external returns (address) { return address(new Child()); }
  function deploy2(bytes32 salt) external returns (address) { return address(new Child{salt: salt}()); }
}
contract Child { uint256 public x = 7; }
`

export const TABLE_USER_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
import "./Table.sol";
contract Assets {
  TableFactory constant tf = TableFactory(address(0x1001));
  KVTableFactory constant kvf = KVTableFactory(address(0x1010));
  function create() external returns (int256, int256) {
    return (tf.createTable("t_asset", "account", "item,amount"), kvf.createTable("t_kv", "id", "value"));
  }
  function add(string memory account, string memory item, int256 amount) public returns (int256) {
    Table t = tf.openTable("t_asset");
    Entry e = t.newEntry();
    e.set("item", item);
    e.set("amount", amount);
    return t.insert(account, e);
  }
  function total(string calldata account, int256 atLeast) external view returns (int256 count, int256 sum, string memory firstItem) {
    Table t = tf.openTable("t_asset");
    Condition c = t.newCondition();
    c.GE("amount", atLeast);
    Entries es = t.select(account, c);
    count = es.size();
    for (int256 i = 0; i < count; i++) { sum += es.get(i).getInt("amount"); }
    if (count > 0) firstItem = es.get(0).getString("item");
  }
  function setAmount(string calldata account, string calldata item, int256 amount) external returns (int256) {
    Table t = tf.openTable("t_asset");
    Entry e = t.newEntry();
    e.set("amount", amount);
    Condition c = t.newCondition();
    c.EQ("item", item);
    return t.update(account, e, c);
  }
  function drop(string calldata account, int256 below) external returns (int256) {
    Table t = tf.openTable("t_asset");
    Condition c = t.newCondition();
    c.LT("amount", below);
    return t.remove(account, c);
  }
  function addThenRevert(string memory account) external {
    add(account, "ghost", 1);
    revert("undo");
  }
  function kvSet(string calldata id, string calldata value) external returns (int256) {
    KVTable t = kvf.openTable("t_kv");
    Entry e = t.newEntry();
    e.set("value", value);
    return t.set(id, e);
  }
  function kvGet(string calldata id) external view returns (bool, string memory) {
    KVTable t = kvf.openTable("t_kv");
    (bool ok, Entry e) = t.get(id);
    if (!ok) return (false, "");
    return (true, e.getString("value"));
  }
  function kvOpenMissing() external view returns (address) { return address(kvf.openTable("t_missing")); }
  function openMissing() external view returns (address) { return address(tf.openTable("t_missing")); }
}
`

export const SYSTEM_USER_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
interface SystemConfigPrecompiled { function setValueByKey(string memory key, string memory value) external returns (int256); }
interface ConsensusPrecompiled {
  function addSealer(string memory nodeID) external returns (int256);
  function addObserver(string memory nodeID) external returns (int256);
  function remove(string memory nodeID) external returns (int256);
}
interface CNSPrecompiled {
  function insert(string memory name, string memory version, string memory addr, string memory abi) external returns (uint256);
  function selectByName(string memory name) external view returns (string memory);
  function selectByNameAndVersion(string memory name, string memory version) external view returns (string memory);
  function getContractAddress(string memory name, string memory version) external view returns (address);
}
interface Crypto {
  function sm3(bytes memory data) external view returns (bytes32);
  function keccak256Hash(bytes memory data) external view returns (bytes32);
  function sm2Verify(bytes32 message, bytes memory publicKey, bytes32 r, bytes32 s) external view returns (bool, address);
}
interface CRUDPrecompiled {
  function insert(string memory tableName, string memory key, string memory entry, string memory optional) external returns (int256);
  function select(string memory tableName, string memory key, string memory condition, string memory optional) external view returns (string memory);
}
interface DagTransfer { function userBalance(string memory user) external view returns (uint256, uint256); }
contract Admin {
  function setConfig(string calldata k, string calldata v) external returns (int256) { return SystemConfigPrecompiled(address(0x1000)).setValueByKey(k, v); }
  function addSealer(string calldata id) external returns (int256) { return ConsensusPrecompiled(address(0x1003)).addSealer(id); }
  function register(string calldata name, string calldata version, string calldata addr) external returns (uint256) {
    return CNSPrecompiled(address(0x1004)).insert(name, version, addr, "[]");
  }
  function lookup(string calldata name, string calldata version) external view returns (address) {
    return CNSPrecompiled(address(0x1004)).getContractAddress(name, version);
  }
  function hashes(bytes calldata data) external view returns (bytes32, bytes32) {
    return (Crypto(address(0x5006)).sm3(data), Crypto(address(0x5006)).keccak256Hash(data));
  }
  function verify(bytes32 h, bytes calldata pub, bytes32 r, bytes32 s) external view returns (bool, address) {
    return Crypto(address(0x5006)).sm2Verify(h, pub, r, s);
  }
  function crudInsert(string calldata t, string calldata k, string calldata e) external returns (int256) {
    return CRUDPrecompiled(address(0x1002)).insert(t, k, e, "");
  }
  function crudSelect(string calldata t, string calldata k, string calldata c) external view returns (string memory) {
    return CRUDPrecompiled(address(0x1002)).select(t, k, c, "");
  }
  function balance(string calldata user) external view returns (uint256, uint256) { return DagTransfer(address(0x5002)).userBalance(user); }
  /** A write precompile reached through STATICCALL must fail. */
  function staticWrite() external view returns (bool ok) {
    (ok, ) = address(0x1000).staticcall(abi.encodeWithSignature("setValueByKey(string,string)", "tx_count_limit", "5"));
  }
}
`

export const PARALLEL_SOL = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;
interface ParallelConfigPrecompiled {
  function registerParallelFunctionInternal(address, string memory, uint256) external returns (int256);
  function unregisterParallelFunctionInternal(address, string memory) external returns (int256);
}
abstract contract ParallelContract {
  ParallelConfigPrecompiled precompiled = ParallelConfigPrecompiled(address(0x1006));
  function registerParallelFunction(string memory functionName, uint256 criticalSize) public {
    precompiled.registerParallelFunctionInternal(address(this), functionName, criticalSize);
  }
  function unregisterParallelFunction(string memory functionName) public {
    precompiled.unregisterParallelFunctionInternal(address(this), functionName);
  }
  function enableParallel() public virtual;
  function disableParallel() public virtual;
}
contract ParallelOk is ParallelContract {
  mapping(string => uint256) _balance;
  function transfer(string memory from, string memory to, uint256 num) public { _balance[from] -= num; _balance[to] += num; }
  function set(string memory name, uint256 num) public { _balance[name] = num; }
  function balanceOf(string memory name) public view returns (uint256) { return _balance[name]; }
  function enableParallel() public override {
    registerParallelFunction("transfer(string,string,uint256)", 2);
    registerParallelFunction("set(string,uint256)", 1);
  }
  function disableParallel() public override {
    unregisterParallelFunction("transfer(string,string,uint256)");
    unregisterParallelFunction("set(string,uint256)");
  }
}
`
