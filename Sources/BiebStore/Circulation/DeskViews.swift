import FluentKit
import Foundation
import SQLKit
import BiebCore

/// What a desk shows: a member's account and a branch's work lists.
extension Circulation {
    /// An open loan as the account lists it; the row of the account's loan query.
    public struct LoanLine: Sendable, Equatable, Decodable {
        public let loanID: Int
        public let itemID: Int
        public let barcode: String
        public let titleID: Int
        public let title: String
        public let dueOn: LocalDate
        public let renewals: Int
        public let checkedOutAt: Date

        enum CodingKeys: String, CodingKey {
            case loanID = "id", itemID = "item_id", barcode, titleID = "title_id", title, dueOn = "due_on", renewals
            case checkedOutAt = "checked_out_at"
        }
    }

    public struct HoldLine: Sendable, Equatable {
        public let holdID: Int
        public let titleID: Int
        public let title: String
        public let status: Hold.Status
        public let pickupBranch: UUID
        public let placedAt: Date
        public let expiresOn: LocalDate
        public let suspendedUntil: LocalDate?
        public let readyUntil: LocalDate?
        public let itemBarcode: String?
        /// Place in the title's queue (1 = next) while waiting.
        public let position: Int?
    }

    public struct FeeLineView: Sendable, Equatable {
        public let id: Int
        public let kind: FeeLine.Kind
        public let amountCents: Int
        public let note: String
        public let at: Date
    }

    public struct Account: Sendable {
        public let member: MemberFacts
        public let blocks: [MemberBlock]
        public let loans: [LoanLine]
        public let holds: [HoldLine]
        public let fees: [FeeLineView]
    }

    /// A member's loans (due first), active holds and the last 50 ledger lines.
    public func account(member memberID: UUID, now: Date = Date()) async throws -> Account {
        let member = try await member(memberID)
        let (settings, _) = try await environment()
        let today = LocalDate(now, in: timeZone)
        let cardLost = try await sql.select().column("id").from(MemberCard.schema).where("member_id", .equal, memberID)
            .where("status", .equal, MemberCard.Status.active.rawValue).first() == nil
        let blocks = MemberBlock.blocks(cardLost: cardLost, membershipEnd: member.membershipEnd, today: today, balanceCents: member.balanceCents,
                                        limitCents: settings.feeLimitCents, manualReason: member.blockReason)
        let loans = try await sql.raw("""
            SELECT l.id, l.item_id, i.barcode, l.title_id, t.title, l.due_on, l.renewals, l.checked_out_at
            FROM loans l JOIN items i ON i.id = l.item_id JOIN titles t ON t.id = l.title_id
            WHERE l.member_id = \(bind: memberID) AND l.open = \(bind: true) ORDER BY l.due_on, l.id
            """).all(decoding: LoanLine.self)
        var holds: [HoldLine] = []
        for row in try await sql.raw("""
            SELECT h.id, h.title_id, t.title, h.status, h.pickup_branch_id, h.placed_at, h.expires_on, h.suspended_until, h.ready_until, i.barcode
            FROM holds h JOIN titles t ON t.id = h.title_id LEFT JOIN items i ON i.id = h.allocated_item_id
            WHERE h.member_id = \(bind: memberID) AND h.status IN (\(binds: Self.activeHoldStatuses)) ORDER BY h.placed_at, h.id
            """).all() {
            let status = Hold.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .waiting
            let placed = try row.decode(column: "placed_at", as: Date.self)
            let id = try row.decode(column: "id", as: Int.self)
            let titleID = try row.decode(column: "title_id", as: Int.self)
            var position: Int?
            if status == .waiting {
                // The holds ahead in the queue's own order (placement, then id), counted on the queue index. Compared
                // with the hold's stored placement, not a value read back (a `Date` does not round-trip exactly).
                let ahead = try await sql.raw("""
                    SELECT COUNT(*) AS n FROM holds h JOIN holds me ON me.id = \(bind: id)
                    WHERE h.title_id = me.title_id AND h.status = \(bind: Hold.Status.waiting.rawValue)
                        AND (h.placed_at < me.placed_at OR (h.placed_at = me.placed_at AND h.id < me.id))
                    """).first()?.decode(column: "n", as: Int.self) ?? 0
                position = ahead + 1
            }
            holds.append(HoldLine(holdID: id, titleID: titleID, title: try row.decode(column: "title", as: String.self), status: status,
                                  pickupBranch: try row.decode(column: "pickup_branch_id", as: UUID.self), placedAt: placed,
                                  expiresOn: LocalDate(iso: try row.decode(column: "expires_on", as: String.self))!,
                                  suspendedUntil: try row.decode(column: "suspended_until", as: String?.self).flatMap(LocalDate.init(iso:)),
                                  readyUntil: try row.decode(column: "ready_until", as: String?.self).flatMap(LocalDate.init(iso:)),
                                  itemBarcode: try row.decode(column: "barcode", as: String?.self), position: position))
        }
        let fees = try await sql.select().columns("id", "kind", "amount_cents", "note", "created_at").from(FeeLine.schema)
            .where("member_id", .equal, memberID).orderBy("id", .descending).limit(50).all().map { row in
                FeeLineView(id: try row.decode(column: "id", as: Int.self),
                            kind: FeeLine.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .damaged,
                            amountCents: try row.decode(column: "amount_cents", as: Int.self), note: try row.decode(column: "note", as: String.self),
                            at: try row.decode(column: "created_at", as: Date.self))
            }
        return Account(member: member, blocks: blocks, loans: loans, holds: holds, fees: fees)
    }

    /// A line of a branch's work lists; each list's query names its columns as these keys.
    public struct WorkItem: Sendable, Equatable, Decodable {
        public let itemID: Int
        public let barcode: String
        public let title: String
        public let callNumber: String
        /// Where it goes (pick list, incoming) or whose it is (hold shelf).
        public let branch: UUID?
        public let holdID: Int?
        public let memberName: String?
        public let until: LocalDate?
        public let since: Date?

        enum CodingKeys: String, CodingKey {
            case itemID = "id", barcode, title, callNumber = "call_number", branch, holdID = "hold_id", memberName = "member_name"
            case until, since
        }
    }

    /// Copies on this branch's shelves set aside for holds (to pick and scan
    /// at the desk), and copies left on the hold shelf whose hold ended (to clear).
    public func pickList(branch: UUID) async throws -> (toPick: [WorkItem], toClear: [WorkItem]) {
        let toPick = try await sql.raw("""
            SELECT i.id, i.barcode, t.title, i.call_number, h.pickup_branch_id AS branch, h.id AS hold_id, h.updated_at AS since
            FROM holds h JOIN items i ON i.id = h.allocated_item_id AND i.hold_id = h.id JOIN titles t ON t.id = i.title_id
            WHERE h.organisation_id = \(bind: organisationID) AND h.status = \(bind: Hold.Status.allocated.rawValue)
              AND i.current_branch_id = \(bind: branch)
            ORDER BY i.call_number, t.title
            """).all(decoding: WorkItem.self)
        let toClear = try await sql.raw("""
            SELECT i.id, i.barcode, t.title, i.call_number, i.updated_at AS since FROM items i JOIN titles t ON t.id = i.title_id
            WHERE i.current_branch_id = \(bind: branch) AND i.status = \(bind: ItemStatus.onHoldShelf.rawValue) AND i.hold_id IS NULL
            ORDER BY t.title
            """).all(decoding: WorkItem.self)
        return (toPick, toClear)
    }

    /// The hold shelf: ready holds at this branch, by member name.
    public func holdShelf(branch: UUID) async throws -> [WorkItem] {
        try await sql.raw("""
            SELECT i.id, i.barcode, t.title, i.call_number, h.pickup_branch_id AS branch, h.id AS hold_id, m.name AS member_name,
                   h.ready_until AS until
            FROM holds h JOIN items i ON i.id = h.allocated_item_id JOIN titles t ON t.id = h.title_id JOIN members m ON m.id = h.member_id
            WHERE h.pickup_branch_id = \(bind: branch) AND h.status = \(bind: Hold.Status.ready.rawValue)
            ORDER BY m.name_key, t.title
            """).all(decoding: WorkItem.self)
    }

    /// Copies on their way to this branch (to receive with a scan), and those sent from it or still to send
    /// (a balance transfer waits on the shelf until it is picked: `Balancing`).
    public func transfers(branch: UUID, incoming: Bool) async throws -> [WorkItem] {
        let column = incoming ? "to_branch_id" : "from_branch_id"
        let other = incoming ? "from_branch_id" : "to_branch_id"
        return try await sql.raw("""
            SELECT i.id, i.barcode, t.title, i.call_number, r.\(unsafeRaw: other) AS branch, r.hold_id,
                   COALESCE(r.sent_at, r.created_at) AS since
            FROM transfers r JOIN items i ON i.id = r.item_id JOIN titles t ON t.id = i.title_id
            WHERE r.\(unsafeRaw: column) = \(bind: branch) AND r.received_at IS NULL \(unsafeRaw: incoming ? "AND r.sent_at IS NOT NULL" : "")
            ORDER BY r.created_at
            """).all(decoding: WorkItem.self)
    }
}
