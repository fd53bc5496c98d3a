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

/// An organisation with its branch names, kept for a few seconds: every
/// scan at a desk needs them, and they change seldom (a renamed or new
/// branch shows within `lifetime` on every app server).
final class DeskCache: @unchecked Sendable {
    static let lifetime: TimeInterval = 5
    private let lock = NSLock()
    private var entries: [UUID: (value: (organisation: Organisation, branches: [BranchLabel]), until: Date)] = [:]

    func get(_ id: UUID, now: Date) -> (organisation: Organisation, branches: [BranchLabel])? {
        lock.withLock { entries[id].flatMap { $0.until > now ? $0.value : nil } }
    }

    func put(_ id: UUID, _ value: (organisation: Organisation, branches: [BranchLabel]), now: Date) {
        lock.withLock { entries[id] = (value, now.addingTimeInterval(Self.lifetime)) }
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
        let cache = req.application.deskCache
        let now = Date()
        let (organisation, branches): (Organisation, [BranchLabel])
        if let hit = cache.get(user.organisationID, now: now) {
            (organisation, branches) = (hit.organisation, hit.branches)
        } else {
            guard let found = try await req.branches.organisation(id: user.organisationID) else {
                throw BiebError.notFound("organisation", nl: "Organisatie niet gevonden.")
            }
            (organisation, branches) = (found, try await req.branches.labels(of: user.organisationID))
            cache.put(user.organisationID, (organisation, branches), now: now)
        }
        let circulation = Circulation(req.db, organisationID: user.organisationID, timeZone: organisation.zone,
                                      calendars: req.application.calendarCache, ruleBooks: req.application.ruleBookCache)
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
