import Crypto
import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The result of checking a member's PIN.
enum PINCheck: Equatable, Sendable {
    case notSent, valid, wrong, locked, noPIN

    /// Why the door stays shut for this PIN (nil when the PIN is fine).
    var doorRefusal: DoorRefusal? {
        switch self {
        case .valid: nil
        case .notSent, .noPIN: .pinRequired
        case .wrong: .wrongPIN
        case .locked: .pinLocked
        }
    }
}

/// Member PINs and the door of self-service hours, shared by the SIP2
/// listener and the HTTP endpoint for door controllers.
struct SelfServiceDoor: Sendable {
    let app: Application
    let db: any Database
    let organisationID: UUID
    let timeZone: TimeZone

    var store: SelfServiceStore { SelfServiceStore(db, organisationID: organisationID) }

    /// Checks a PIN against the member's bcrypt hash. `verified` is the
    /// digest of a PIN already found right (in a SIP2 session): then no
    /// bcrypt. Wrong tries are counted in the database (so every app
    /// server sees them); the last allowed one locks the PIN.
    func checkPIN(member: UUID, pin: String?, verified: String?, now: Date) async throws -> (PINCheck, String) {
        guard let pin, !pin.isEmpty else { return (.notSent, "") }
        let digest = SHA256.hash(data: Data("\(member):\(pin)".utf8)).map { String(format: "%02x", $0) }.joined()
        if verified == digest { return (.valid, digest) }
        let state = try await store.pinState(member: member)
        if state.locked(at: now) { return (.locked, digest) }
        guard let hash = state.hash else { return (.noPIN, digest) }
        if (try? await app.password.async.verify(pin, created: hash)) == true {
            if state.failures > 0 { try await store.clearPINFailures(member: member) }
            return (.valid, digest)
        }
        return (try await store.recordWrongPIN(member: member, now: now) != nil ? .locked : .wrong, digest)
    }

    /// Decides entry for a member at a branch now: the calendar's service
    /// level, the branch's conditions, blocks, and in self-service hours a
    /// right PIN. An entry let in is counted as a visit (once a minute per
    /// person), without keeping who it was.
    func decide(member: Circulation.MemberFacts, blocks: [MemberBlock], pin: PINCheck, branch: UUID, level: ServiceLevel, via: String,
                now: Date) async throws -> DoorDecision {
        guard let record = try await BranchDirectory(db).branch(branch) else { throw BiebError.notFound("branch", nl: "Vestiging niet gevonden.") }
        let facts = try await store.doorFacts(member: member.id)
        let today = LocalDate(now, in: timeZone)
        var decision = SelfServiceAccess.door(level: level, conditions: record.selfServiceConditions, birthDate: member.birthDate,
                                              memberSince: facts.memberSince, termsAccepted: facts.termsAcceptedOn != nil, blocks: blocks,
                                              today: today)
        if decision.allowed, level == .selfService, let refusal = pin.doorRefusal {
            decision = .refused(refusal)
        }
        if decision.allowed, app.selfService.doorEntries.isNew(member: member.id, branch: branch, now: now) {
            try await store.recordVisit(branch: branch, at: now, via: via, ageBand: SelfServiceAccess.ageBand(birthDate: member.birthDate, on: today),
                                        category: member.category)
        }
        return decision
    }
}
