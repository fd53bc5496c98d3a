import Foundation
import Vapor

extension Request {
    /// The client's IP address, for throttling and rate limits (never
    /// logged or stored as such). The connection's peer — unless the peer is
    /// a proxy Bieb trusts (`BIEB_TRUSTED_PROXIES`), or the request came
    /// without a network peer (in-process requests and unix sockets): then
    /// the right-most address in `X-Forwarded-For` that is not a trusted
    /// proxy itself (entries further left are the client's own claims).
    var clientAddress: String? {
        let peer = remoteAddress?.ipAddress
        if let peer, !application.bieb.trustedProxies.contains(peer) { return peer }
        let forwarded = headers[.xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return forwarded.last { !application.bieb.trustedProxies.contains($0) } ?? forwarded.first ?? peer
    }
}
