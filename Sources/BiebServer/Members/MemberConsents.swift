import Foundation
import Vapor
import BiebCore
import BiebStore

/// A member's choice recorded by staff — at the desk's member page, or a desk application over
/// `PUT /api/v1/members/{id}/consents/{purpose}` — for one purpose: the one decoding of both
/// (`ConsentInput`), so the form and the API accept and refuse alike.
struct ConsentInput: Content {
    /// On (the member agrees) or off (the member withdraws).
    var granted: Bool?

    static func purpose(_ text: String?) throws -> ConsentPurpose {
        guard let text = text?.trimmed, let purpose = ConsentPurpose(rawValue: text) else {
            let known = ConsentPurpose.allCases.map(\.rawValue).joined(separator: ", ")
            throw BiebError.invalid("purpose", "Choose one of: \(known).", nl: "Kies een van: \(known).")
        }
        return purpose
    }

    func choice() throws -> Bool {
        guard let granted else {
            throw BiebError.invalid("granted", "Say whether the member agrees (on) or not (off).", nl: "Kies of het lid instemt (aan) of niet (uit).")
        }
        return granted
    }
}

/// Consents as staff see and record them for one member. What is stored with a choice are the words
/// the member portal shows for that purpose (`MemberAccountService.consentText`, the locale's
/// `consent_text_…`: one source), in the member's own language, which is also what the desk page
/// shows; the way is `desk:<staff id>`.
struct StaffConsents {
    let service: DeskService
    let member: Member

    /// The member reads the words in their own language (`members.language`).
    var dutch: Bool { member.language != "en" }
    var store: Consents { Consents(service.req.db, organisationID: service.organisation.id!) }

    /// How a choice recorded by staff is marked: at the desk, by whom.
    static func source(staff: UUID) -> String { "desk:\(staff.uuidString.lowercased())" }

    func words(_ purpose: ConsentPurpose) -> String { MemberAccountService.consentText(purpose, dutch: dutch) }

    /// Records the member's choice; false when it changes nothing (no record is added then).
    @discardableResult
    func record(_ purpose: ConsentPurpose, _ input: ConsentInput) async throws -> Bool {
        try await store.record(member: member.id!, purpose, granted: try input.choice(), text: words(purpose),
                               source: Self.source(staff: service.user.id!))
    }

    func current() async throws -> [ConsentPurpose: Bool] { try await store.current(member: member.id!) }
    func history() async throws -> [ConsentRecord] { try await store.history(member: member.id!) }
}

extension MemberAPIController {
    struct ConsentsDTO: Content {
        let member_id: UUID
        /// The language the words are in (the member's).
        let language: String
        /// Whether each purpose is on now.
        let current: [String: Bool]
        /// The words stored with a choice recorded now, per purpose.
        let words: [String: String]
        /// Every change, newest first.
        let history: [MemberAccountAPIController.ConsentDTO]
    }

    /// The member and the consents' view of them, for staff who manage the member at their home branch.
    func staffConsents(_ req: Request) async throws -> StaffConsents {
        let service = try await DeskService.make(req)
        let member = try await existing(req, service)
        _ = try req.staff(.manageMembers, branch: member.homeBranchID)
        return StaffConsents(service: service, member: member)
    }

    func consentsDTO(_ consents: StaffConsents) async throws -> ConsentsDTO {
        let current = try await consents.current()
        return ConsentsDTO(
            member_id: consents.member.id!, language: consents.dutch ? "nl" : "en",
            current: Dictionary(uniqueKeysWithValues: ConsentPurpose.allCases.map { ($0.rawValue, current[$0] ?? $0.onUntilWithdrawn) }),
            words: Dictionary(uniqueKeysWithValues: ConsentPurpose.allCases.map { ($0.rawValue, consents.words($0)) }),
            history: try await consents.history().map {
                .init(purpose: $0.purpose.rawValue, granted: $0.granted, at: $0.at, text: $0.text, source: $0.source)
            })
    }

    /// `GET /api/v1/members/{id}/consents`: what is on now, the words a choice would store, every change (logged as a view).
    func listConsents(req: Request) async throws -> ConsentsDTO {
        let consents = try await staffConsents(req)
        try await consents.service.logView(of: consents.member.id!, purpose: .account)
        return try await consentsDTO(consents)
    }

    /// `PUT /api/v1/members/{id}/consents/{purpose}` with `{"granted": true}`: the member's choice, recorded as at the desk.
    func recordConsent(req: Request) async throws -> ConsentsDTO {
        let consents = try await staffConsents(req)
        let purpose = try ConsentInput.purpose(req.parameters.get("purpose"))
        try await consents.record(purpose, try req.content.decode(ConsentInput.self))
        try await consents.service.logView(of: consents.member.id!, purpose: .account)
        return try await consentsDTO(consents)
    }
}
