// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// The ParallelConfig precompile of FISCO BCOS 2.x at 0x1006: registers which functions of a
/// contract may run in parallel and how many leading arguments are their mutex keys.
interface ParallelConfigPrecompiled {
    function registerParallelFunctionInternal(address contractAddress, string calldata functionName, uint256 criticalSize)
        external
        returns (uint256);

    function unregisterParallelFunctionInternal(address contractAddress, string calldata functionName)
        external
        returns (uint256);
}

/// Base of a contract with parallel functions: the executor builds its DAG from the first
/// `criticalSize` arguments of each registered function (transactions with no key in common
/// run at the same time).
abstract contract ParallelContract {
    ParallelConfigPrecompiled internal constant PARALLEL_CONFIG = ParallelConfigPrecompiled(address(0x1006));

    function registerParallelFunction(string memory functionName, uint256 criticalSize) internal {
        PARALLEL_CONFIG.registerParallelFunctionInternal(address(this), functionName, criticalSize);
    }

    function unregisterParallelFunction(string memory functionName) internal {
        PARALLEL_CONFIG.unregisterParallelFunctionInternal(address(this), functionName);
    }

    /// Registers the contract's parallel functions.
    function enableParallel() external virtual;

    /// Removes the registrations: every call runs in block order again.
    function disableParallel() external virtual;
}
