// SPDX-License-Identifier: Apache-2.0
// A table-based contract for the Consortia demo: rows in an AMDB user table through the
// TableFactory precompile (0x1001, CRUD) and a key-value table through KVTableFactory (0x1010).
pragma solidity ^0.8.0;

import "./Table.sol";

contract DemoRegistry {
  TableFactory constant tables = TableFactory(address(0x1001));
  KVTableFactory constant kvTables = KVTableFactory(address(0x1010));
  string constant ORDERS = "t_demo_orders";
  string constant NOTES = "t_demo_notes";

  event OrderAdded(string account, string item, int256 amount, int256 count);

  function setup() external returns (int256, int256) {
    return (tables.createTable(ORDERS, "account", "item,amount"), kvTables.createTable(NOTES, "id", "text"));
  }

  function addOrder(string calldata account, string calldata item, int256 amount) external returns (int256) {
    Table t = tables.openTable(ORDERS);
    Entry e = t.newEntry();
    e.set("item", item);
    e.set("amount", amount);
    int256 count = t.insert(account, e);
    emit OrderAdded(account, item, amount, count);
    return count;
  }

  function orders(string calldata account) external view returns (int256 count, int256 total) {
    Table t = tables.openTable(ORDERS);
    Entries es = t.select(account, t.newCondition());
    count = es.size();
    for (int256 i = 0; i < count; i++) total += es.get(i).getInt("amount");
  }

  function setNote(string calldata id, string calldata text) external returns (int256) {
    KVTable t = kvTables.openTable(NOTES);
    Entry e = t.newEntry();
    e.set("text", text);
    return t.set(id, e);
  }

  function note(string calldata id) external view returns (bool, string memory) {
    KVTable t = kvTables.openTable(NOTES);
    (bool ok, Entry e) = t.get(id);
    if (!ok) return (false, "");
    return (true, e.getString("text"));
  }
}
