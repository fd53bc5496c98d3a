import FluentKit
import Foundation
import SQLKit
import BiebCore

extension Circulation {
    // MARK: Placing and changing holds

    /// Places a hold on a title (any copy) or on one copy, picked up at a
    /// branch. When a copy is on a shelf now it is set aside at once (it
    /// appears on that branch's pick list).
    public func placeHold(member memberID: UUID, title titleID: Int, item itemID: Int? = nil, pickup: UUID, localOnly: Bool = false,
                          expiresOn: LocalDate? = nil, at desk: Desk) async throws -> Hold {
        let today = today(desk)
        let member = try await member(memberID)
        let (settings, book) = try await environment()
        try checkStanding(member, settings: settings, today: today)
        guard let title = try await Title.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id == titleID)
            .filter(\.$deleted == false).first() else {
            throw BiebError.notFound("title", nl: "Titel niet gevonden.")
        }
        guard try await Branch.query(on: db).filter(\.$id == pickup).filter(\.$organisation.$id == organisationID)
            .filter(\.$active == true).first() != nil else {
            throw BiebError.invalid("pickup_branch", "Choose one of the library's branches to pick up the hold.",
                                    nl: "Kies een vestiging van de bibliotheek om de reservering op te halen.")
        }
        let copies = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(Item.schema)
            .where("title_id", .equal, titleID).where("status", .notIn, SQLBind.group(["lost", "missing", "withdrawn"]))
            .first()?.decode(column: "n", as: Int.self) ?? 0
        guard copies > 0 else {
            throw BiebError(.conflict, code: "no_copies", field: "title", message: "The library has no copy of this title to reserve.",
                            nl: "De bibliotheek heeft geen exemplaar van deze titel om te reserveren.")
        }
        if let itemID {
            guard try await Item.query(on: db).filter(\.$id == itemID).filter(\.$titleID == titleID).first() != nil else {
                throw BiebError.invalid("item", "That copy is not a copy of this title.", nl: "Dat exemplaar hoort niet bij deze titel.")
            }
        }
        if let expiresOn, expiresOn < today {
            throw BiebError.invalid("expires_on", "The hold would end before today.", nl: "De reservering zou vóór vandaag aflopen.")
        }
        if try await sql.select().column("id").from(Hold.schema).where("member_id", .equal, memberID).where("title_id", .equal, titleID)
            .where("status", .in, SQLBind.group(Self.activeHoldStatuses)).first() != nil {
            throw BiebError(.conflict, code: "hold_exists", field: "title", message: "This member already has a hold on this title.",
                            nl: "Dit lid heeft deze titel al gereserveerd.")
        }
        if try await sql.select().column("id").from(Loan.schema).where("member_id", .equal, memberID).where("title_id", .equal, titleID)
            .where("open", .equal, true).first() != nil {
            throw BiebError(.conflict, code: "already_borrowed", field: "title", message: "This member has this title on loan now.",
                            nl: "Dit lid heeft deze titel nu te leen.")
        }
        let policy = book.policy(branch: pickup, category: member.category, itemType: title.format)
        if member.holdCount >= policy.maxHolds { throw Refusal.holdLimit(policy) }
        let expiry = expiresOn ?? today.adding(days: settings.holdExpiryDays)
        let organisationID = organisationID
        let holdID = try await WriteGate.transaction(on: db) { tx -> Int in
            let sql = tx.sql
            guard try await Self.bump("hold_count", of: memberID, by: 1, limit: policy.maxHolds, on: sql) else {
                throw Refusal.holdLimit(policy)
            }
            let row = try await sql.insert(into: Hold.schema)
                .columns("organisation_id", "title_id", "item_id", "member_id", "pickup_branch_id", "local_only", "status", "placed_at",
                         "expires_on", "updated_at")
                .values(SQLBind(organisationID), SQLBind(titleID), SQLBind(itemID), SQLBind(memberID), SQLBind(pickup), SQLBind(localOnly),
                        SQLBind(Hold.Status.waiting.rawValue), SQLBind(desk.now), SQLBind(expiry.iso), SQLBind(desk.now))
                .returning("id").first()
            let holdID = try row?.decode(column: "id", as: Int.self) ?? 0
            if policy.holdFeeCents > 0 {
                try await Ledger.post(.hold, cents: policy.holdFeeCents, member: memberID, organisation: organisationID, note: title.title,
                                      staff: desk.staff, branch: desk.branch, at: desk.now, on: sql)
            }
            try await Ledger.event("hold_placed", organisation: organisationID, at: desk.now, branch: pickup, item: itemID, title: titleID,
                                   member: memberID, staff: desk.staff, detail: "\(holdID)", on: sql)
            _ = try await allocateCopy(toHold: holdID, at: desk, on: sql)
            return holdID
        }
        return try await Hold.find(holdID, on: db)!
    }

    /// What a hold on a title of this format costs the member, per pickup branch (0: free): the
    /// rule `placeHold` charges by, so a member can be told before they confirm.
    public func holdFees(member memberID: UUID, format: String, pickups: [UUID]) async throws -> [UUID: Int] {
        let member = try await member(memberID)
        let (_, book) = try await environment()
        return Dictionary(uniqueKeysWithValues: pickups.map { ($0, book.policy(branch: $0, category: member.category, itemType: format).holdFeeCents) })
    }

    static let activeHoldStatuses = Hold.Status.allCases.filter(\.isActive).map(\.rawValue)

    /// Cancels a hold (by the member or staff). A copy set aside for it goes
    /// to the next member in line at once.
    public func cancelHold(_ holdID: Int, member expected: UUID? = nil, at desk: Desk) async throws {
        try await endHold(holdID, as: .cancelled, member: expected, at: desk)
    }

    func endHold(_ holdID: Int, as ending: Hold.Status, member expected: UUID?, at desk: Desk) async throws {
        guard let hold = try await Hold.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id == holdID).first() else {
            throw BiebError.notFound("hold", nl: "Reservering niet gevonden.")
        }
        if let expected, hold.memberID != expected { throw BiebError.notFound("hold", nl: "Reservering niet gevonden.") }
        let (settings, _) = try await environment()
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            var item: ItemFacts?
            if let allocated = hold.allocatedItemID { item = try await Self.lockItem(allocated, at: desk.now, on: sql) }
            guard let row = try await sql.update(Hold.schema).set("status", to: ending.rawValue).set("updated_at", to: desk.now)
                .where("id", .equal, holdID).where("status", .in, SQLBind.group(Self.activeHoldStatuses))
                .returning("id").first(), row.contains(column: "id") else {
                throw BiebError(.conflict, code: "hold_not_active", message: "This hold has already ended.", nl: "Deze reservering is al afgelopen.")
            }
            _ = try await Self.bump("hold_count", of: hold.memberID, by: -1, on: sql)
            try await Ledger.event(ending == .cancelled ? "hold_cancelled" : "hold_expired", organisation: organisationID, at: desk.now,
                                   branch: desk.branch, item: hold.allocatedItemID, title: hold.titleID, member: hold.memberID, staff: desk.staff,
                                   detail: "\(holdID)", on: sql)
            if ending == .expired {
                try await Outbox.enqueue(.holdExpired, organisation: organisationID, member: hold.memberID, reference: "hold:\(holdID)",
                                         dedupe: "hold_expired:\(holdID)", at: desk.now, on: sql)
            }
            if let item, item.holdID == holdID {
                try await sql.update(Item.schema).set("hold_id", to: SQLLiteral.null).where("id", .equal, item.id).run()
                let released = try await Self.lockItem(item.id, at: desk.now, on: sql)
                switch released.status {
                case .onHoldShelf, .available:
                    // The copy is on a shelf (the hold shelf or the open one): the next in line gets it where it is.
                    _ = try await routeInPlace(released, at: Desk(branch: released.currentBranch, staff: desk.staff, now: desk.now),
                                               settings: settings, on: sql)
                default:
                    // In transit: it is routed when it arrives.
                    break
                }
                try await CatalogChanges.copiesChanged(of: [item.titleID], organisationID: organisationID, on: sql)
            }
        }
    }

    /// Suspends a waiting hold until a day (a holiday), or resumes it with nil.
    public func suspendHold(_ holdID: Int, until: LocalDate?, member expected: UUID? = nil, at desk: Desk) async throws {
        guard let hold = try await Hold.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id == holdID).first(),
              expected == nil || hold.memberID == expected else {
            throw BiebError.notFound("hold", nl: "Reservering niet gevonden.")
        }
        if let until, until <= today(desk) {
            throw BiebError.invalid("until", "Suspend until a day after today.", nl: "Pauzeer tot een dag na vandaag.")
        }
        if let until, until > LocalDate(iso: hold.expiresOn)! {
            throw BiebError.invalid("until", "The hold ends on \(hold.expiresOn), before that day.",
                                    nl: "De reservering loopt af op \(hold.expiresOn), vóór die dag.")
        }
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.update(Hold.schema).set("suspended_until", to: until?.iso).set("updated_at", to: desk.now)
                .where("id", .equal, holdID).where("status", .equal, Hold.Status.waiting.rawValue).returning("id").first() != nil else {
                throw BiebError(.conflict, code: "hold_not_waiting", message: "Only a hold that is still waiting can be paused or resumed.",
                                nl: "Alleen een reservering die nog wacht kan worden gepauzeerd of hervat.")
            }
            try await Ledger.event(until == nil ? "hold_resumed" : "hold_suspended", organisation: organisationID, at: desk.now,
                                   title: hold.titleID, member: hold.memberID, staff: desk.staff, detail: until?.iso ?? "", on: sql)
        }
    }

    /// Moves a hold's pickup to another branch of the organisation, while
    /// no copy is on its way to it or waiting on the hold shelf. A copy set
    /// aside on a shelf stays set aside; scanned at the desk, it goes to the
    /// new branch. A hold for copies of the pickup branch only cannot move
    /// once a copy is set aside (that copy would no longer qualify).
    public func changePickup(_ holdID: Int, to pickup: UUID, member expected: UUID? = nil, at desk: Desk) async throws {
        guard let hold = try await Hold.query(on: db).filter(\.$organisationID == organisationID).filter(\.$id == holdID).first(),
              expected == nil || hold.memberID == expected else {
            throw BiebError.notFound("hold", nl: "Reservering niet gevonden.")
        }
        guard try await Branch.query(on: db).filter(\.$id == pickup).filter(\.$organisation.$id == organisationID)
            .filter(\.$active == true).first() != nil else {
            throw BiebError.invalid("pickup_branch", "Choose one of the library's branches to pick up the hold.",
                                    nl: "Kies een vestiging van de bibliotheek om de reservering op te halen.")
        }
        guard pickup != hold.pickupBranchID else { return }
        let movable = hold.localOnly ? [Hold.Status.waiting.rawValue] : [Hold.Status.waiting.rawValue, Hold.Status.allocated.rawValue]
        let organisationID = organisationID
        try await WriteGate.transaction(on: db) { tx in
            let sql = tx.sql
            guard try await sql.raw("""
                UPDATE holds SET pickup_branch_id = \(bind: pickup), updated_at = \(bind: desk.now)
                WHERE id = \(bind: holdID) AND status IN (\(binds: movable)) RETURNING id
                """).first() != nil else {
                throw BiebError(.conflict, code: "hold_on_its_way", field: "pickup_branch",
                                message: "This hold is on its way to its branch or waiting there; its pickup branch cannot change now.",
                                nl: "Deze reservering is al onderweg of ligt klaar; de afhaalvestiging kan niet meer veranderen.")
            }
            try await Ledger.event("hold_pickup_changed", organisation: organisationID, at: desk.now, branch: pickup, title: hold.titleID,
                                   member: hold.memberID, staff: desk.staff, detail: "\(holdID)", on: sql)
        }
    }

    /// The member of a hold.
    static func holder(of holdID: Int, on sql: any SQLDatabase) async throws -> UUID? {
        try await sql.raw("SELECT member_id FROM holds WHERE id = \(bind: holdID)").first()?.decode(column: "member_id", as: UUID.self)
    }

    // MARK: Routing copies

    /// The first waiting hold of a title in queue order that can take a copy.
    /// Read in pages, so a long queue of holds that cannot take it (other
    /// copies, suspended) costs pages, not the whole queue.
    static func firstWaitingHold(for copy: HoldQueue.Copy, title: Int, today: LocalDate, skipping: Set<Int> = [],
                                 on sql: any SQLDatabase) async throws -> HoldQueue.Hold? {
        var after: Int?
        while true {
            var query: SQLQueryString = """
                SELECT \(SQLList(QueuedHoldRow.columns)) FROM holds
                WHERE title_id = \(bind: title) AND status = \(bind: Hold.Status.waiting.rawValue)
                """
            if let last = after {
                // After the last hold of the page, by its stored placement (a `Date` read back does not compare exactly).
                query += """
                     AND (placed_at > (SELECT placed_at FROM holds WHERE id = \(bind: last))
                        OR (placed_at = (SELECT placed_at FROM holds WHERE id = \(bind: last)) AND id > \(bind: last)))
                    """
            }
            let rows = try await sql.raw(query + " ORDER BY placed_at, id LIMIT 50").all()
            let holds = try rows.map { try $0.decode(model: QueuedHoldRow.self).hold }
            if let hold = HoldQueue.first(of: holds.filter { !skipping.contains($0.id) }, for: copy, today: today) { return hold }
            guard rows.count == 50, let last = rows.last else { return nil }
            after = try last.decode(column: "id", as: Int.self)
        }
    }

    /// Routes a copy that is in hand at a desk (returned, received, picked
    /// from a shelf): to the hold it is set aside for, else to the first
    /// waiting hold that can take it, else home or onto the shelf here.
    func route(_ item: ItemFacts, at desk: Desk, settings: CirculationSettings, on sql: any SQLDatabase) async throws -> Routing {
        if let holdID = item.holdID, let hold = try await sql.select().columns("status", "pickup_branch_id").from(Hold.schema)
            .where("id", .equal, holdID).first() {
            let status = Hold.Status(rawValue: try hold.decode(column: "status", as: String.self)) ?? .cancelled
            let pickup = try hold.decode(column: "pickup_branch_id", as: UUID.self)
            if status.isActive {
                if status == .ready && pickup == desk.branch, item.status == .onHoldShelf {
                    let until = try await sql.select().column("ready_until").from(Hold.schema).where("id", .equal, holdID).first()?
                        .decode(column: "ready_until", as: String?.self).flatMap(LocalDate.init(iso:)) ?? today(desk)
                    return .holdShelf(hold: holdID, until: until)
                }
                return try await deliver(item, to: holdID, pickup: pickup, at: desk, settings: settings, on: sql)
            }
        }
        if let hold = try await claimNextHold(for: item, at: desk, on: sql) {
            return try await deliver(item, to: hold.id, pickup: hold.pickupBranch, at: desk, settings: settings, on: sql)
        }
        if item.owningBranch != desk.branch && !settings.floating {
            try await sendTransfer(item, to: item.owningBranch, hold: nil, at: desk, sent: true, on: sql)
            try await sql.update(Item.schema).set("status", to: ItemStatus.inTransit.rawValue).set("hold_id", to: SQLLiteral.null)
                .set("current_branch_id", to: desk.branch).set("due_at", to: SQLLiteral.null).where("id", .equal, item.id).run()
            return .transit(to: item.owningBranch, hold: nil)
        }
        try await sql.raw("""
            UPDATE items SET status = \(bind: ItemStatus.available.rawValue), hold_id = NULL, current_branch_id = \(bind: desk.branch), due_at = NULL
            WHERE id = \(bind: item.id)
            """).run()
        return .shelf
    }

    /// Gives a copy in hand to its hold: on the hold shelf here, or in transit to the pickup branch.
    func deliver(_ item: ItemFacts, to holdID: Int, pickup: UUID, at desk: Desk, settings: CirculationSettings,
                 on sql: any SQLDatabase) async throws -> Routing {
        if pickup == desk.branch {
            let until = try await readyUntil(at: pickup, from: today(desk), settings: settings, on: sql)
            try await sql.update(Hold.schema).set("status", to: Hold.Status.ready.rawValue).set("allocated_item_id", to: item.id)
                .set("ready_until", to: until.iso).set("updated_at", to: desk.now).where("id", .equal, holdID).run()
            try await sql.update(Item.schema).set("status", to: ItemStatus.onHoldShelf.rawValue).set("hold_id", to: holdID)
                .set("current_branch_id", to: desk.branch).set("due_at", to: SQLLiteral.null).where("id", .equal, item.id).run()
            try await Ledger.event("hold_ready", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                                   title: item.titleID, staff: desk.staff, detail: "\(holdID)", on: sql)
            // The member hears of it (when they want notices): in this transaction, once per hold.
            try await Outbox.enqueue(.holdReady, organisation: organisationID, member: try await Self.holder(of: holdID, on: sql),
                                     reference: "hold:\(holdID)", dedupe: "hold_ready:\(holdID)", at: desk.now, on: sql)
            return .holdShelf(hold: holdID, until: until)
        }
        try await sql.update(Hold.schema).set("status", to: Hold.Status.inTransit.rawValue).set("allocated_item_id", to: item.id)
            .set("updated_at", to: desk.now).where("id", .equal, holdID).run()
        try await sendTransfer(item, to: pickup, hold: holdID, at: desk, sent: true, on: sql)
        try await sql.update(Item.schema).set("status", to: ItemStatus.inTransit.rawValue).set("hold_id", to: holdID)
            .set("current_branch_id", to: desk.branch).set("due_at", to: SQLLiteral.null).where("id", .equal, item.id).run()
        return .transit(to: pickup, hold: holdID)
    }

    /// A copy that stays where it is (on a hold shelf or the open shelf) after
    /// its hold ended: the next member in line who picks up here gets it on
    /// the hold shelf; one who picks up elsewhere gets it set aside (on this
    /// branch's pick list); with nobody waiting it stays to be cleared.
    func routeInPlace(_ item: ItemFacts, at desk: Desk, settings: CirculationSettings, on sql: any SQLDatabase) async throws -> Routing? {
        guard let hold = try await claimNextHold(for: item, at: desk, on: sql) else { return nil }
        if hold.pickupBranch == item.currentBranch && item.status == .onHoldShelf {
            return try await deliver(item, to: hold.id, pickup: hold.pickupBranch, at: desk, settings: settings, on: sql)
        }
        try await sql.update(Item.schema).set("hold_id", to: hold.id).where("id", .equal, item.id).run()
        return nil
    }

    /// Claims the first waiting hold that can take the copy (status
    /// allocated, this copy), in queue order. A hold is claimed only while it
    /// is still waiting: of two copies racing for one hold, one gets it, and
    /// the other goes on to the next hold.
    func claimNextHold(for item: ItemFacts, at desk: Desk, on sql: any SQLDatabase) async throws -> HoldQueue.Hold? {
        let copy = HoldQueue.Copy(itemID: item.id, owningBranch: item.owningBranch)
        var skipping: Set<Int> = []
        while let hold = try await Self.firstWaitingHold(for: copy, title: item.titleID, today: today(desk), skipping: skipping, on: sql) {
            if try await sql.update(Hold.schema).set("status", to: Hold.Status.allocated.rawValue).set("allocated_item_id", to: item.id)
                .set("updated_at", to: desk.now).where("id", .equal, hold.id).where("status", .equal, Hold.Status.waiting.rawValue)
                .returning("id").first() != nil {
                try await Ledger.event("hold_trapped", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                                       title: item.titleID, staff: desk.staff, detail: "\(hold.id)", on: sql)
                return hold
            }
            skipping.insert(hold.id)
        }
        return nil
    }

    /// Sets a copy on a shelf aside for a hold that waits (a new hold, or one
    /// whose copy went to someone else): a copy at the pickup branch first.
    /// The copy appears on its branch's pick list. Returns the copy, if any.
    func allocateCopy(toHold holdID: Int, at desk: Desk, on sql: any SQLDatabase) async throws -> Int? {
        guard let row = try await sql.select().column("title_id").columns(QueuedHoldRow.columns)
            .from(Hold.schema).where("id", .equal, holdID).where("status", .equal, Hold.Status.waiting.rawValue).first() else { return nil }
        let hold = try row.decode(model: QueuedHoldRow.self).hold
        let candidates = try await sql.select().columns("id", "owning_branch_id", "current_branch_id").from(Item.schema)
            .where("title_id", .equal, try row.decode(column: "title_id", as: Int.self))
            .where("status", .equal, ItemStatus.available.rawValue).where("hold_id", .is, SQLLiteral.null).all()
        let copies = try candidates.map { row in
            (copy: HoldQueue.Copy(itemID: try row.decode(column: "id", as: Int.self), owningBranch: try row.decode(column: "owning_branch_id", as: UUID.self)),
             here: try row.decode(column: "current_branch_id", as: UUID.self) == hold.pickupBranch)
        }.filter { HoldQueue.accepts(hold, $0.copy, today: today(desk)) }
            .sorted { $0.here && !$1.here }
        for candidate in copies {
            // The copy's row decides: of two holds reaching for one copy, one gets it.
            if try await sql.update(Item.schema).set("hold_id", to: holdID).where("id", .equal, candidate.copy.itemID)
                .where("status", .equal, ItemStatus.available.rawValue).where("hold_id", .is, SQLLiteral.null)
                .returning("id").first() != nil {
                try await sql.update(Hold.schema).set("status", to: Hold.Status.allocated.rawValue)
                    .set("allocated_item_id", to: candidate.copy.itemID).set("updated_at", to: desk.now).where("id", .equal, holdID).run()
                return candidate.copy.itemID
            }
        }
        return nil
    }

    func sendTransfer(_ item: ItemFacts, to branch: UUID, hold: Int?, at desk: Desk, sent: Bool, on sql: any SQLDatabase) async throws {
        // A copy has one open transfer: a new destination replaces the old one.
        try await sql.update(Transfer.schema).set("received_at", to: desk.now)
            .where("item_id", .equal, item.id).where("received_at", .is, SQLLiteral.null).run()
        try await sql.insert(into: Transfer.schema)
            .columns("organisation_id", "item_id", "from_branch_id", "to_branch_id", "reason", "hold_id", "created_at", "sent_at")
            .values(SQLBind(organisationID), SQLBind(item.id), SQLBind(desk.branch), SQLBind(branch), SQLBind(hold == nil ? "home" : "hold"),
                    SQLBind(hold), SQLBind(desk.now), SQLBind(sent ? desk.now : nil))
            .run()
        try await Ledger.event("transfer_sent", organisation: organisationID, at: desk.now, branch: desk.branch, item: item.id,
                               title: item.titleID, staff: desk.staff, detail: branch.uuidString, on: sql)
    }

    /// The last day on the hold shelf: the configured number of opening days
    /// of the pickup branch after today.
    func readyUntil(at branch: UUID, from today: LocalDate, settings: CirculationSettings, on sql: any SQLDatabase) async throws -> LocalDate {
        try await calendar(of: branch, on: sql as? any Database).openingDay(counting: settings.holdShelfDays, after: today)
            ?? today.adding(days: settings.holdShelfDays)
    }

    // MARK: Expiry

    /// Ends holds past their day: ready holds not collected (the copy goes to
    /// the next member in line at once) and waiting holds past their expiry
    /// date. Run by the server every few minutes; returns how many ended.
    public func expireHolds(now: Date = Date()) async throws -> Int {
        let today = LocalDate(now, in: timeZone)
        let rows = try await sql.select().columns("id", "pickup_branch_id").from(Hold.schema).where("organisation_id", .equal, organisationID)
            .where { group in
                group.where { $0.where("status", .equal, Hold.Status.ready.rawValue).where("ready_until", .lessThan, today.iso) }
                    .orWhere { $0.where("status", .in, SQLBind.group(["waiting"])).where("expires_on", .lessThan, today.iso) }
            }
            .limit(1000).all()
        var ended = 0
        for row in rows {
            let desk = Desk(branch: try row.decode(column: "pickup_branch_id", as: UUID.self), staff: nil, now: now)
            do {
                try await endHold(try row.decode(column: "id", as: Int.self), as: .expired, member: nil, at: desk)
                ended += 1
            } catch let error as BiebError where error.code == "hold_not_active" {
                // Collected or cancelled meanwhile.
            }
        }
        return ended
    }
}

/// The columns of a hold that the queue's rules (`HoldQueue`) look at, read
/// from `holds` by name in one place.
struct QueuedHoldRow: Decodable {
    var id: Int
    var item_id: Int?
    var pickup_branch_id: UUID
    var local_only: Bool
    var suspended_until: String?

    static let columns: [any SQLExpression] = ["id", "item_id", "pickup_branch_id", "local_only", "suspended_until"].map { SQLColumn($0) }

    var hold: HoldQueue.Hold {
        HoldQueue.Hold(id: id, itemID: item_id, pickupBranch: pickup_branch_id, localOnly: local_only,
                       suspendedUntil: suspended_until.flatMap(LocalDate.init(iso:)))
    }
}
