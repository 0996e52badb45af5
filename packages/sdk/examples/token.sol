// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.0;

/// A minimal ERC-20-like token for the SDK examples.
contract Token {
    mapping(address => uint256) public balanceOf;

    event Transfer(address indexed from, address indexed to, uint256 value);

    constructor(uint256 supply) {
        balanceOf[msg.sender] = supply;
        emit Transfer(address(0), msg.sender, supply);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        require(balanceOf[msg.sender] >= value, "insufficient balance");
        balanceOf[msg.sender] -= value;
        balanceOf[to] += value;
        emit Transfer(msg.sender, to, value);
        return true;
    }

    function ratio(uint256 a, uint256 b) external pure returns (uint256) {
        return a / b;
    }
}
