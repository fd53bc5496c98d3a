import Foundation
import BiebCore

/// Running one of the Debian programs Bieb uses rather than re-implementing (`pg_dump`, `pg_restore`, `sqlite3`,
/// `qrencode`): its standard output, or its own words as a `BiebError` when it is missing or fails. Blocking: run it
/// off the event loops (a thread pool, a command).
public enum ExternalProgram {
    public static func run(_ program: String, _ arguments: [String], package: String) throws -> String {
        let name = URL(fileURLWithPath: program).lastPathComponent
        guard FileManager.default.isExecutableFile(atPath: program) else {
            throw BiebError(.unavailable, code: "program_missing", message: "\(program) is not installed (Debian package \(package)).",
                            nl: "\(program) is niet geïnstalleerd (Debian-pakket \(package)).")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let words = String(decoding: err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw BiebError(.unavailable, code: "program_failed", message: "\(name) failed: \(words.prefix(500))", nl: "\(name) mislukte: \(words.prefix(500))")
        }
        return String(decoding: out, as: UTF8.self)
    }
}
