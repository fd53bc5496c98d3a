import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor
import BiebCore
import BiebStore

typealias Work = SIP2Work

/// A message refused by a circulation rule: the answer is the refusal itself.
struct SIP2Refused: Error {
    let response: SIP2Response
}

/// One request of a logged-in terminal: the answer for each message pair.
struct SIP2Work {
    let service: SIP2Service
    let terminal: SIP2TerminalContext
    let request: SIP2Request
    let now: Date
    let dutch: Bool
    /// The organisation's `ConfigVersion` read for this message: the caches it consults agree on it.
    let configVersion: Int

    var db: any Database { service.db }
    var circulation: Circulation {
        Circulation(db, organisationID: terminal.organisationID, timeZone: terminal.timeZone,
                    calendars: service.app.calendarCache, ruleBooks: service.app.ruleBookCache, configVersion: configVersion)
    }
    var store: SelfServiceStore { SelfServiceStore(db, organisationID: terminal.organisationID) }
    var desk: Circulation.Desk { Circulation.Desk(branch: terminal.branch, staff: nil, now: now) }
    var today: LocalDate { LocalDate(now, in: terminal.timeZone) }

    func text(_ key: String, _ values: [String: String] = [:]) -> String { service.text(key, dutch, values) }
    func refusal(_ message: String) -> SIP2Response {
        service.refusal(request, session: SIP2Session(terminal: terminal), message: message, now: now)
    }
    /// Runs a circulation step; a rule's refusal (`BiebError`) ends the message with that refusal, in the
    /// terminal's language (`SIP2Service.respond` answers with it).
    func refusing<T>(_ step: () async throws -> T) async throws -> T {
        do {
            return try await step()
        } catch let error as BiebError {
            throw SIP2Refused(response: refusal(error.message(dutch: dutch)))
        }
    }
    func day(_ date: LocalDate) -> String { dutch ? date.dutchText : date.iso }
    /// A due date as SIP2 writes dates: the end of the day, local time.
    func sipDate(_ date: LocalDate) -> String { SIP2.date(DueDates.endOfDay(date, in: terminal.timeZone), in: terminal.timeZone) }

    // MARK: Branch and calendar

    /// How the terminal's branch is served now (the branch calendar decides).
    func level() async throws -> ServiceLevel {
        let cache = service.app.calendarCache
        if let calendar = cache.calendar(terminal.branch, timeZone: terminal.timeZone, configVersion: configVersion) {
            return calendar.level(at: now)
        }
        let calendar = try await BranchDirectory(db, cache: cache).calendar(of: terminal.branch, timeZone: terminal.timeZone)
        cache.confirm(terminal.branch, configVersion: configVersion)
        return calendar.level(at: now)
    }

    /// A branch's name, from the organisation's branch list kept per `ConfigVersion` (`DeskCache`).
    func branchName(_ id: UUID) async throws -> String {
        if id == terminal.branch { return terminal.branchName }
        return try await branches().first { $0.id == id }?.name ?? "?"
    }

    func branches() async throws -> [BranchLabel] {
        try await service.app.deskCache.value(terminal.organisationID, configVersion: configVersion, db: db)?.branches ?? []
    }

    // MARK: 99 → 98 status

    /// The order of the supported-messages field (BX).
    static let supportedOrder: [String] = ["23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65"]

    static func supported(_ allowed: Set<SIP2.Command>) -> String {
        supportedOrder.map { code in SIP2.Command(rawValue: code).map { allowed.contains($0) ? "Y" : "N" } ?? "N" }.joined()
    }

    func status() async throws -> SIP2Response {
        let open = try await level() != .closed
        var r = SIP2Response("98")
        r.flag(true)                                            // online
        r.flag(terminal.allowed.contains(.checkin))             // checkin ok (also while closed: returns are dated)
        r.flag(open && terminal.allowed.contains(.checkout))    // checkout ok (only while open)
        r.flag(terminal.allowed.contains(.renew))               // ACS renewal policy
        r.flag(false)                                           // status update ok
        r.flag(false)                                           // offline ok
        r.fixed("030")                                          // timeout period (tenths of a second... 3 s)
        r.fixed("003")                                          // retries allowed
        r.date(now, in: terminal.timeZone)
        r.fixed("2.00")
        r.field("AO", terminal.institution)
        r.field("AM", terminal.libraryName)
        r.field("BX", Self.supported(terminal.allowed))
        r.field("AN", terminal.branchName)
        r.field("AF", text(open ? "sip2_status_open" : "sip2_status_closed"))
        return r
    }
}
