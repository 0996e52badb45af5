// SPDX-License-Identifier: Apache-2.0
// The FISCO BCOS 2.x table precompile interfaces (libprecompiled/solidity/Table.sol of
// github.com/FISCO-BCOS/FISCO-BCOS), restated in Solidity 0.8 syntax: interfaces only.
pragma solidity ^0.8.0;

interface Condition {
  function EQ(string memory, int256) external view;
  function EQ(string memory, string memory) external view;
  function GE(string memory, int256) external view;
  function limit(int256) external view;
}

interface Entry {
  function getInt(string memory) external view returns (int256);
  function getString(string memory) external view returns (string memory);
  function set(string memory, int256) external;
  function set(string memory, string memory) external;
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
