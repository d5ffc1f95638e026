#pragma once
// The loopback bridge inside a sandbox: listens on 127.0.0.1:kProxyBridgePort (so ordinary
// HTTP(S)_PROXY clients work) and relays every connection to the egress proxy's Unix socket
// bound at kProxySocketInSandbox. Runs as a process of its own inside the sandbox, under the
// same Landlock and seccomp rules as the tool.

#include "base/result.h"
#include "base/unique_fd.h"

namespace chitin::sandbox {

// Binds and listens; returns the listening socket (so the init can start the tool only once
// the bridge is ready).
Result<UniqueFd> listen_bridge();

// Moves one read's worth of bytes from `from` to `to`; false once `from` has ended (its end
// is passed on with shutdown(SHUT_WR)) or `to` failed. Shared with the host-side relay of
// web_fetch (tools/proxy_relay.h).
bool forward(int from, int to);

// Serves forever (until the sandbox ends).
[[noreturn]] void run_bridge(UniqueFd listener);

}  // namespace chitin::sandbox
