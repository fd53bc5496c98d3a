import BiebServer
import Foundation
import Logging

/// Logging for the process: human-readable lines by default, JSON lines with
/// `LOG_FORMAT=json`; level from `LOG_LEVEL` (default info for `serve` and
/// `demo`, warning for other commands unless `--verbose`). Log calls in Bieb
/// carry no personal data (no names, e-mail addresses or card numbers).
enum LogSetup {
    static func bootstrap(defaultLevel: Logger.Level = .info) {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
        let json = ProcessInfo.processInfo.environment["LOG_FORMAT"] == "json"
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
