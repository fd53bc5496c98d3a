import Foundation
import Logging
import Testing
@testable import BiebStore

/// The write gate names a holder that kept the other writers waiting: where in the code it took the gate and for
/// how long, only while watched, and each holder of a handed-over gate by its own place.
@Suite("The write gate's slow holders") struct WriteGateTests {
    final class Lines: LogHandler, @unchecked Sendable {
        private let lock = NSLock()
        private var records: [(level: Logger.Level, message: String, at: String)] = []
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
                 function: String, line: UInt) {
            lock.withLock { records.append((level, message.description, "\(metadata?["at"] ?? "")")) }
        }

        var logged: [(level: Logger.Level, message: String, at: String)] { lock.withLock { records } }
    }

    static func watched(_ gate: WriteGate) -> Lines {
        let lines = Lines()
        gate.watch(Logger(label: "bieb.test") { _ in lines })
        return lines
    }

    @Test func aHolderThatKeptTheGateIsNamedWithItsPlace() async throws {
        let gate = WriteGate(slowHold: .milliseconds(40), warningHold: .seconds(60))
        let lines = Self.watched(gate)
        await gate.enter(); let line = #line
        try await Task.sleep(for: .milliseconds(80))
        gate.leave()
        await gate.enter()
        gate.leave()
        let logged = lines.logged
        #expect(logged.count == 1)
        #expect(logged.first?.level == .notice)
        #expect(logged.first?.at == "BiebStoreTests/WriteGateTests.swift:\(line)")
        #expect(logged.first?.message.contains("ms (taken at BiebStoreTests/WriteGateTests.swift:\(line))") == true)
    }

    @Test func aHoldPastTheWarningMarkIsAWarning() async throws {
        let gate = WriteGate(slowHold: .milliseconds(10), warningHold: .milliseconds(40))
        let lines = Self.watched(gate)
        await gate.enter()
        try await Task.sleep(for: .milliseconds(80))
        gate.leave()
        #expect(lines.logged.map(\.level) == [.warning])
    }

    @Test func aHandedOverGateNamesEachHolderByItsOwnPlace() async throws {
        let gate = WriteGate(slowHold: .milliseconds(40))
        let lines = Self.watched(gate)
        await gate.enter(); let first = #line
        let second = Task {
            await gate.enter(); let line = #line
            try await Task.sleep(for: .milliseconds(80))
            gate.leave()
            return line
        }
        try await Task.sleep(for: .milliseconds(80))
        gate.leave()
        let secondLine = try await second.value
        // The second waited for the first: its own hold counts from when it got the gate, not from when it asked.
        #expect(lines.logged.map(\.at) == ["BiebStoreTests/WriteGateTests.swift:\(first)", "BiebStoreTests/WriteGateTests.swift:\(secondLine)"])
    }

    @Test func nothingIsLoggedUnwatchedOrAfterTheWatchEnds() async throws {
        let gate = WriteGate(slowHold: .milliseconds(10))
        await gate.enter()
        try await Task.sleep(for: .milliseconds(30))
        gate.leave()
        let lines = Self.watched(gate)
        gate.watch(nil)
        await gate.enter()
        try await Task.sleep(for: .milliseconds(30))
        gate.leave()
        #expect(lines.logged.isEmpty)
    }
}
