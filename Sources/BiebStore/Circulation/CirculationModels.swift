import FluentKit
import Foundation
import SQLKit
import BiebCore

/// An organisation's circulation settings. `rules_version` moves with every
/// change of the loan rules, so app servers know when their cached rule
/// book is stale.
public final class CirculationSettings: Model, @unchecked Sendable {
    public static let schema = "circulation_settings"

    @ID(custom: "organisation_id", generatedBy: .user) public var id: UUID?
    /// Opening days of the pickup branch a ready hold waits on the hold shelf.
    @Field(key: "hold_shelf_days") public var holdShelfDays: Int
    /// Days a hold request stays valid when the member gives no date.
    @Field(key: "hold_expiry_days") public var holdExpiryDays: Int
    /// Floating collection: returned copies stay where they are returned.
    @Field(key: "floating") public var floating: Bool
    /// Borrowing stops when outstanding fees are above this.
    @Field(key: "fee_limit_cents") public var feeLimitCents: Int
    /// Charged for a lost copy without a price.
    @Field(key: "lost_item_cents") public var lostItemCents: Int
    @Field(key: "rules_version") public var rulesVersion: Int

    public init() {}

    public init(organisationID: UUID) {
        id = organisationID
        holdShelfDays = 7
        holdExpiryDays = 180
        floating = false
        feeLimitCents = 1000
        lostItemCents = 2500
        rulesVersion = 0
    }

    /// A copy of its own (a model is a shared object: what one request changes must not change another's).
    public func copy() -> CirculationSettings {
        let copy = CirculationSettings(organisationID: id ?? UUID())
        copy.id = id
        (copy.holdShelfDays, copy.holdExpiryDays, copy.floating) = (holdShelfDays, holdExpiryDays, floating)
        (copy.feeLimitCents, copy.lostItemCents, copy.rulesVersion) = (feeLimitCents, lostItemCents, rulesVersion)
        return copy
    }
}

/// A rule of the loan rules matrix; nil scope columns match anything, nil
/// terms are left to more general rules.
public final class LoanRuleRow: Model, @unchecked Sendable {
    public static let schema = "loan_rules"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organisation_id") public var organisationID: UUID
    @OptionalField(key: "branch_id") public var branchID: UUID?
    /// A membership type code.
    @OptionalField(key: "category") public var category: String?
    /// A material format.
    @OptionalField(key: "item_type") public var itemType: String?
    @OptionalField(key: "loan_days") public var loanDays: Int?
    @OptionalField(key: "max_renewals") public var maxRenewals: Int?
    @OptionalField(key: "max_loans") public var maxLoans: Int?
    @OptionalField(key: "max_loans_of_type") public var maxLoansOfType: Int?
    @OptionalField(key: "max_holds") public var maxHolds: Int?
    @OptionalField(key: "fine_per_day_cents") public var finePerDayCents: Int?
    @OptionalField(key: "max_fine_cents") public var maxFineCents: Int?
    @OptionalField(key: "hold_fee_cents") public var holdFeeCents: Int?
    @OptionalField(key: "youth_exempt_from_fines") public var youthExemptFromFines: Bool?

    public init() {}

    public var scope: LoanRuleScope {
        get { LoanRuleScope(branch: branchID, category: category, itemType: itemType) }
        set {
            branchID = newValue.branch
            category = newValue.category
            itemType = newValue.itemType
        }
    }

    public var terms: LoanTerms {
        get {
            LoanTerms(loanDays: loanDays, maxRenewals: maxRenewals, maxLoans: maxLoans, maxLoansOfType: maxLoansOfType, maxHolds: maxHolds,
                      finePerDayCents: finePerDayCents, maxFineCents: maxFineCents, holdFeeCents: holdFeeCents,
                      youthExemptFromFines: youthExemptFromFines)
        }
        set {
            loanDays = newValue.loanDays
            maxRenewals = newValue.maxRenewals
            maxLoans = newValue.maxLoans
            maxLoansOfType = newValue.maxLoansOfType
            maxHolds = newValue.maxHolds
            finePerDayCents = newValue.finePerDayCents
            maxFineCents = newValue.maxFineCents
            holdFeeCents = newValue.holdFeeCents
            youthExemptFromFines = newValue.youthExemptFromFines
        }
    }
}

/// A loan: open while `returned_at` is empty. At most one open loan per
/// copy — a unique index on the open loans makes that hold under any race.
public final class Loan: Model, @unchecked Sendable {
    public static let schema = "loans"

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "item_id") public var itemID: Int
    @Field(key: "title_id") public var titleID: Int
    @OptionalField(key: "member_id") public var memberID: UUID?
    @Field(key: "branch_id") public var branchID: UUID
    @Field(key: "item_type") public var itemType: String
    @Field(key: "checked_out_at") public var checkedOutAt: Date
    /// ISO date.
    @Field(key: "due_on") public var dueOn: String
    @Field(key: "renewals") public var renewals: Int
    @OptionalField(key: "returned_at") public var returnedAt: Date?
    @OptionalField(key: "return_branch_id") public var returnBranchID: UUID?
    /// How the loan ended: returned, lost, claimed_returned.
    @OptionalField(key: "ended_as") public var endedAs: String?
    @Field(key: "open") public var open: Bool

    public init() {}
}

/// A hold (reservering): on a title (any copy) or one copy, picked up at a
/// branch the member chose. Queue order is placement order.
public final class Hold: Model, @unchecked Sendable {
    public static let schema = "holds"

    public enum Status: String, Codable, Sendable, CaseIterable {
        /// In the queue.
        case waiting
        /// A copy on a shelf somewhere is set aside for it: on that branch's pick list.
        case allocated
        /// The copy is on its way to the pickup branch.
        case inTransit = "in_transit"
        /// On the hold shelf at the pickup branch, until `ready_until`.
        case ready
        case fulfilled, cancelled, expired

        public var isActive: Bool { [.waiting, .allocated, .inTransit, .ready].contains(self) }
    }

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "title_id") public var titleID: Int
    /// Set for a hold on one particular copy.
    @OptionalField(key: "item_id") public var itemID: Int?
    @Field(key: "member_id") public var memberID: UUID
    @Field(key: "pickup_branch_id") public var pickupBranchID: UUID
    /// Only copies owned by the pickup branch.
    @Field(key: "local_only") public var localOnly: Bool
    @Field(key: "status") public var statusRaw: String
    @Field(key: "placed_at") public var placedAt: Date
    /// ISO date: suspended (not served) before this day.
    @OptionalField(key: "suspended_until") public var suspendedUntil: String?
    /// ISO date: the request lapses after this day if not served.
    @Field(key: "expires_on") public var expiresOn: String
    /// The copy set aside for it.
    @OptionalField(key: "allocated_item_id") public var allocatedItemID: Int?
    /// ISO date: last day on the hold shelf.
    @OptionalField(key: "ready_until") public var readyUntil: String?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public var status: Status { Status(rawValue: statusRaw) ?? .cancelled }
}

/// A copy moving between branches: to fill a hold, or home after a return elsewhere.
public final class Transfer: Model, @unchecked Sendable {
    public static let schema = "transfers"

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "item_id") public var itemID: Int
    @Field(key: "from_branch_id") public var fromBranchID: UUID
    @Field(key: "to_branch_id") public var toBranchID: UUID
    /// hold or home.
    @Field(key: "reason") public var reason: String
    @OptionalField(key: "hold_id") public var holdID: Int?
    @Field(key: "created_at") public var createdAt: Date
    /// Empty while the copy still waits to be picked from a shelf.
    @OptionalField(key: "sent_at") public var sentAt: Date?
    @OptionalField(key: "received_at") public var receivedAt: Date?

    public init() {}
}

/// A line of a member's fee ledger: charges positive, payments and waivers negative.
public final class FeeLine: Model, @unchecked Sendable {
    public static let schema = "fee_lines"

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case overdue, lost, damaged, membership, hold, payment, waiver, refund
        /// Money paid back to the member (an online payment refunded): positive, as it undoes (part of) a payment.
        case payout
        /// A paid place at an activity (negative when given up).
        case activity
    }

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "member_id") public var memberID: UUID
    @Field(key: "kind") public var kindRaw: String
    @Field(key: "amount_cents") public var amountCents: Int
    @OptionalField(key: "loan_id") public var loanID: Int?
    @OptionalField(key: "item_id") public var itemID: Int?
    @Field(key: "note") public var note: String
    @OptionalField(key: "staff_user_id") public var staffUserID: UUID?
    @OptionalField(key: "branch_id") public var branchID: UUID?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public var kind: Kind { Kind(rawValue: kindRaw) ?? .damaged }
}

/// One recorded change of circulation: who (staff account, member), what
/// (item, title), where (branch), when. Feeds statistics and audit; the
/// member is removed from old events by the privacy rules.
public final class CirculationEvent: Model, @unchecked Sendable {
    public static let schema = "circulation_events"

    @ID(custom: "id", generatedBy: .database) public var id: Int?
    @Field(key: "organisation_id") public var organisationID: UUID
    @Field(key: "at") public var at: Date
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "branch_id") public var branchID: UUID?
    @OptionalField(key: "item_id") public var itemID: Int?
    @OptionalField(key: "title_id") public var titleID: Int?
    @OptionalField(key: "member_id") public var memberID: UUID?
    @OptionalField(key: "staff_user_id") public var staffUserID: UUID?
    @Field(key: "detail") public var detail: String

    public init() {}
}

struct CreateCirculation: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.schema(CirculationSettings.schema)
            .field("organisation_id", .uuid, .identifier(auto: false), .references(Organisation.schema, "id", onDelete: .cascade))
            .field("hold_shelf_days", .int, .required)
            .field("hold_expiry_days", .int, .required)
            .field("floating", .bool, .required)
            .field("fee_limit_cents", .int, .required)
            .field("lost_item_cents", .int, .required)
            .field("rules_version", .int, .required)
            .create()
        try await database.schema(LoanRuleRow.schema)
            .id()
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("branch_id", .uuid, .references(Branch.schema, "id", onDelete: .cascade))
            .field("category", .string)
            .field("item_type", .string)
            .field("loan_days", .int)
            .field("max_renewals", .int)
            .field("max_loans", .int)
            .field("max_loans_of_type", .int)
            .field("max_holds", .int)
            .field("fine_per_day_cents", .int)
            .field("max_fine_cents", .int)
            .field("hold_fee_cents", .int)
            .field("youth_exempt_from_fines", .bool)
            .create()
        try await database.schema(Loan.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("item_id", .int64, .required, .references(Item.schema, "id", onDelete: .cascade))
            .field("title_id", .int64, .required)
            .field("member_id", .uuid, .references(Member.schema, "id", onDelete: .setNull))
            .field("branch_id", .uuid, .required)
            .field("item_type", .string, .required)
            .field("checked_out_at", .datetime, .required)
            .field("due_on", .string, .required)
            .field("renewals", .int, .required)
            .field("returned_at", .datetime)
            .field("return_branch_id", .uuid)
            .field("ended_as", .string)
            .field("open", .bool, .required)
            .create()
        try await database.schema(Hold.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("title_id", .int64, .required, .references(Title.schema, "id", onDelete: .cascade))
            .field("item_id", .int64, .references(Item.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("pickup_branch_id", .uuid, .required, .references(Branch.schema, "id"))
            .field("local_only", .bool, .required)
            .field("status", .string, .required)
            .field("placed_at", .datetime, .required)
            .field("suspended_until", .string)
            .field("expires_on", .string, .required)
            .field("allocated_item_id", .int64, .references(Item.schema, "id", onDelete: .setNull))
            .field("ready_until", .string)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema(Transfer.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("item_id", .int64, .required, .references(Item.schema, "id", onDelete: .cascade))
            .field("from_branch_id", .uuid, .required)
            .field("to_branch_id", .uuid, .required)
            .field("reason", .string, .required)
            .field("hold_id", .int64)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("received_at", .datetime)
            .create()
        try await database.schema(FeeLine.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("member_id", .uuid, .required, .references(Member.schema, "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("amount_cents", .int, .required)
            .field("loan_id", .int64)
            .field("item_id", .int64)
            .field("note", .string, .required)
            .field("staff_user_id", .uuid)
            .field("branch_id", .uuid)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(CirculationEvent.schema)
            .field("id", .int64, .identifier(auto: true))
            .field("organisation_id", .uuid, .required, .references(Organisation.schema, "id", onDelete: .cascade))
            .field("at", .datetime, .required)
            .field("kind", .string, .required)
            .field("branch_id", .uuid)
            .field("item_id", .int64)
            .field("title_id", .int64)
            .field("member_id", .uuid)
            .field("staff_user_id", .uuid)
            .field("detail", .string, .required)
            .create()

        // The hold a copy is set aside for: the row that orders concurrent allocations of one copy.
        try await database.schema(Item.schema).field("hold_id", .int64).update()

        let sql = database.sql
        // One open loan per copy, whatever races: the second insert fails.
        try await sql.raw("CREATE UNIQUE INDEX loans_open_item_idx ON loans (item_id) WHERE open").run()
        try await database.createIndex("loans_member_idx", on: Loan.schema, "member_id", "open")
        try await database.createIndex("loans_due_idx", on: Loan.schema, "organisation_id", "open", "due_on")
        // The queue of a title: active holds in placement order.
        try await database.createIndex("holds_queue_idx", on: Hold.schema, "title_id", "status", "placed_at", "id")
        try await database.createIndex("holds_member_idx", on: Hold.schema, "member_id", "status")
        try await database.createIndex("holds_allocated_idx", on: Hold.schema, "allocated_item_id")
        try await database.createIndex("holds_pickup_idx", on: Hold.schema, "pickup_branch_id", "status")
        try await database.createIndex("transfers_item_idx", on: Transfer.schema, "item_id", "received_at")
        try await database.createIndex("transfers_to_idx", on: Transfer.schema, "to_branch_id", "received_at")
        try await database.createIndex("transfers_from_idx", on: Transfer.schema, "from_branch_id", "received_at")
        try await database.createIndex("fee_lines_member_idx", on: FeeLine.schema, "member_id", "created_at")
        try await database.createIndex("circulation_events_idx", on: CirculationEvent.schema, "organisation_id", "at")
    }

    func revert(on database: Database) async throws {
        try await database.schema(Item.schema).deleteField("hold_id").update()
        for schema in [CirculationEvent.schema, FeeLine.schema, Transfer.schema, Hold.schema, Loan.schema, LoanRuleRow.schema,
                       CirculationSettings.schema] {
            try await database.schema(schema).delete()
        }
    }
}

/// Indexes found by the desk benchmark: the open loan of a copy is looked up
/// by `item_id` with `open` bound as a parameter, which the partial unique
/// index cannot serve (SQLite cannot prove a bound value true), so returns
/// scanned the loans; and work lists start from holds by status.
struct IndexCirculation: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.createIndex("loans_item_idx", on: Loan.schema, "item_id")
        try await database.createIndex("holds_status_idx", on: Hold.schema, "organisation_id", "status")
    }

    func revert(on database: Database) async throws {
        let sql = database.sql
        try await sql.drop(index: "loans_item_idx").run()
        try await sql.drop(index: "holds_status_idx").run()
    }
}

/// The fines run walks an organisation's open overdue loans in id order, a
/// batch at a time: the open loans of one organisation in id order are what
/// it reads. Through `loans_due_idx` each batch would read every overdue loan
/// again and sort them. (With the organisation named by a plain `=`,
/// PostgreSQL walked the primary key over every organisation's loans even
/// with this index: 2.7 million rows, 675 ms for the first batch at 7
/// organisations — hence `isOrganisation`.)
struct IndexOpenLoansByOrganisation: AsyncMigration {
    func prepare(on database: Database) async throws {
        try await database.sql.raw("CREATE INDEX loans_open_org_idx ON loans (organisation_id, id) WHERE open").run()
    }

    func revert(on database: Database) async throws {
        try await database.sql.drop(index: "loans_open_org_idx").run()
    }
}
