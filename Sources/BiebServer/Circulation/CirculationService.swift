import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

struct RuleBookCacheKey: StorageKey {
    typealias Value = RuleBookCache
}

extension Application {
    /// Loan rule books built once per rules version (set up in `configure`).
    var ruleBookCache: RuleBookCache { storage[RuleBookCacheKey.self] ?? RuleBookCache() }
    /// An organisation and its branch names for desk requests (set up in `configure`).
    var deskCache: DeskCache { storage[DeskCacheKey.self] ?? DeskCache() }
}

struct DeskCacheKey: StorageKey {
    typealias Value = DeskCache
}

/// An organisation with its branch names, kept per `ConfigVersion`: every
/// scan at a desk needs them, and a renamed or new branch raises the number,
/// so every app server reads them again at its next request.
final class DeskCache: @unchecked Sendable {
    typealias Value = (organisation: Organisation, branches: [BranchLabel])
    private let lock = NSLock()
    private var entries: [UUID: (value: Value, configVersion: Int)] = [:]

    func get(_ id: UUID, configVersion: Int) -> Value? {
        lock.withLock { entries[id].flatMap { $0.configVersion == configVersion ? $0.value : nil } }
    }

    func put(_ id: UUID, _ value: Value, configVersion: Int) {
        lock.withLock { entries[id] = (value, configVersion) }
    }

    /// The organisation and its branch labels at `configVersion`, read when not held.
    func value(_ id: UUID, configVersion: Int, db: any Database) async throws -> Value? {
        if let hit = get(id, configVersion: configVersion) { return hit }
        let directory = BranchDirectory(db)
        guard let organisation = try await directory.organisation(id: id) else { return nil }
        let value = (organisation, try await directory.labels(of: id))
        put(id, value, configVersion: configVersion)
        return value
    }
}

/// The circulation desk for a signed-in account: its organisation, the
/// branch it works at, and texts in the request's language.
struct DeskService {
    let req: Request
    let user: StaffUser
    let organisation: Organisation
    let circulation: Circulation
    let members: MemberDirectory
    let branches: [BranchLabel]
    let lang: Language

    static func make(_ req: Request, _ permission: Permission = .viewStaffPages) async throws -> DeskService {
        let user = try req.staff(permission)
        let configVersion = try await req.configVersion(of: user.organisationID)
        guard let (organisation, branches) = try await req.application.deskCache.value(user.organisationID, configVersion: configVersion,
                                                                                        db: req.db) else {
            throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
        }
        let circulation = Circulation(req.db, organisationID: user.organisationID, timeZone: organisation.zone,
                                      calendars: req.application.calendarCache, ruleBooks: req.application.ruleBookCache,
                                      configVersion: configVersion)
        return DeskService(req: req, user: user, organisation: organisation, circulation: circulation,
                           members: MemberDirectory(req.db, organisationID: user.organisationID),
                           branches: branches, lang: Language.of(req))
    }

    var dutch: Bool { lang == .nl }
    /// A date in the desk's words: "14 december 2026", "14 December 2026" (never ISO on a page).
    func day(_ date: LocalDate) -> String { formats.dateWithYear(date) }

    var formats: Formats { Formats(lang: lang, timeZone: organisation.zone) }

    /// A branch of the organisation by id or slug; the account's own branch
    /// (or the central library) when none is given.
    func branch(_ text: String?, field: String = "branch") throws -> BranchLabel {
        if let text = text?.trimmed, !text.isEmpty {
            if let branch = branches.first(where: { $0.slug == text || $0.id.uuidString.lowercased() == text.lowercased() }) { return branch }
            throw BiebError.invalid(field, "No branch '\(text)' in this organisation.", nl: "Geen vestiging '\(text)' in deze organisatie.")
        }
        if let own = user.branchID, let branch = branches.first(where: { $0.id == own }) { return branch }
        if let central = branches.first(where: { $0.kind == .central }) ?? branches.first { return central }
        throw BiebError.invalid(field, "Say at which branch.", nl: "Geef aan bij welke vestiging.")
    }

    func branchName(_ id: UUID?) -> String {
        branches.first { $0.id == id }?.name ?? "?"
    }

    /// A desk at a branch the account may work at for `permission`.
    func desk(_ branchText: String?, _ permission: Permission = .circulate) throws -> Circulation.Desk {
        let branch = try branch(branchText)
        _ = try req.staff(permission, branch: branch.id)
        return Circulation.Desk(branch: branch.id, staff: user.id, now: Date())
    }

    /// Where a copy goes, in words for the desk.
    func text(_ routing: Routing) -> String {
        switch routing {
        case .shelf:
            return Locales.text("desk_route_shelf", lang)
        case .holdShelf(_, let until):
            return Locales.text("desk_route_hold_shelf", lang, ["date": day(until)])
        case .transit(let to, let hold):
            return Locales.text(hold == nil ? "desk_route_home" : "desk_route_transit_hold", lang, ["branch": branchName(to)])
        }
    }
}
