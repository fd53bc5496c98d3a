import Foundation
import Vapor
import BiebStore

/// A branch link's QR code, drawn by Debian's `qrencode` (package qrencode) as SVG, for a poster or a table stand.
/// Without the program there is no code: the page shows the link alone and says so.
enum LinkQRCode {
    static let program = ProcessInfo.processInfo.environment["BIEB_QRENCODE"] ?? "/usr/bin/qrencode"

    static var available: Bool { FileManager.default.isExecutableFile(atPath: program) }

    /// The SVG for `url`, or nil when `qrencode` is not installed or fails.
    static func svg(for url: String, on app: Application) async throws -> String? {
        guard available, url.count <= 1_000 else { return nil }
        return try await app.threadPool.runIfActive {
            try? ExternalProgram.run(program, ["-t", "SVG", "-l", "M", "-m", "2", "-o", "-", url], package: "qrencode")
        }
    }
}
