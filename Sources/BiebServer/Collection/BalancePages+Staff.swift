import Foundation
import Vapor
import BiebCore
import BiebStore

/// Balancing a floating collection (`/staff/collectie/balans`): each
/// branch's shelf capacity per part beside what it holds, the moves the
/// capacities ask for, the transfer list made from them, and the copies
/// to pick — scanned here to send, after which the desk's transfer flow
/// carries them (in transit, received by the return scan at the other branch).
struct BalancePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("collectie", "balans", use: show)
        staff.post("collectie", "balans", "capaciteit", use: setCapacities)
        staff.post("collectie", "balans", "lijst", use: makeList)
        staff.post("collectie", "balans", "verzenden", use: send)
        staff.post("collectie", "balans", "intrekken", use: cancel)
    }

    struct CellView: Encodable {
        let name: String
        let id: String
        let label: String
        let value: String
        let holdings: String
        let over: Bool
        let error: String?
    }

    struct BranchView: Encodable {
        let name: String
        let cells: [CellView]
    }

    struct MoveView: Encodable {
        let part: String
        let from: String
        let to: String
        let copies: String
    }

    struct TransferView: Encodable {
        let barcode: String
        let title: String
        let callNumber: String
        let from: String
        let to: String
        let sent: Bool
    }

    struct Context: Encodable {
        let page: PageContext
        let errors: FormErrors?
        let floating: Bool
        let parts: [String]
        let branches: [BranchView]
        let moves: [MoveView]
        let transfers: [TransferView]
        let toPick: Int
        let desks: [FormOption]
        let barcode: String
        let sent: String?
    }

    func show(req: Request) async throws -> Response {
        try await render(req, refused: nil, typed: [:], sent: nil)
    }

    func render(_ req: Request, refused: BiebError?, typed: [String: String], sent: Balancing.Line?) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let page = try await StaffPages.Page(req)
        let english = page.lang == .en
        let formats = Formats(lang: page.lang, timeZone: service.organisation.zone)
        let floating = try await LoanRuleStore(service.db, organisationID: service.organisationID).settings().floating
        let held = try await CollectionBalance.holdings(service)
        let capacities = try await ShelfCapacities(service.db, organisationID: service.organisationID).all()
        var ids: [String: String] = ["barcode": "barcode", "branch": "desk"]
        let branches = service.branches.filter(\.active).map { branch in
            BranchView(name: branch.name, cells: CollectionSegment.allCases.map { part in
                let name = "capacity_\(branch.slug)_\(part.rawValue)"
                if refused?.field == name { ids[name] = name }
                let capacity = capacities[branch.id]?[part]
                let holdings = held[branch.id]?[part] ?? 0
                return CellView(name: name, id: name, label: "\(branch.name): \(part.name(english: english))",
                                value: typed[name] ?? capacity.map(String.init) ?? "", holdings: formats.count(holdings), over: capacity.map { holdings > $0 } ?? false,
                                error: refused?.field == name ? refused?.message(dutch: page.lang == .nl) : nil)
            })
        }
        let overview = try await CollectionBalance.overview(service, holdings: held)
        func name(_ slug: String) -> String { service.branches.first { $0.slug == slug }?.name ?? slug }
        let moves = overview.moves.map { MoveView(part: CollectionSegment(rawValue: $0.part)?.name(english: english) ?? $0.part, from: name($0.from),
                                                  to: name($0.to), copies: formats.count($0.copies)) }
        let transfers = overview.transfers.map { TransferView(barcode: $0.barcode, title: $0.title, callNumber: $0.call_number, from: name($0.from),
                                                               to: name($0.to), sent: $0.sent) }
        let desk = typed["branch"]
        return try await page.render("staff/balance", Context(
            page: page.context(page.t("balance_title")), errors: page.formErrors(refused, ids: ids), floating: floating,
            parts: CollectionSegment.allCases.map { $0.name(english: english) }, branches: branches, moves: moves, transfers: transfers,
            toPick: transfers.filter { !$0.sent }.count,
            desks: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == desk) },
            barcode: refused == nil ? "" : typed["barcode"] ?? "",
            sent: sent.map { page.t("balance_sent", ["barcode": $0.barcode, "title": $0.title, "to": service.label($0.to)?.name ?? ""]) }),
            status: refused == nil ? .ok : (refused!.kind == .invalid ? .unprocessableEntity : .conflict))
    }

    func setCapacities(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        let shelves = ShelfCapacities(service.db, organisationID: service.organisationID)
        do {
            // Every field read first (one form, one decoding per cell through `CapacityFields`), then saved.
            var changes: [(BranchLabel, CollectionSegment, Int?)] = []
            for branch in service.branches.filter(\.active) {
                for part in CollectionSegment.allCases {
                    let name = "capacity_\(branch.slug)_\(part.rawValue)"
                    guard let value = form[name] else { continue }
                    do {
                        let fields = try CapacityFields(branch: branch.slug, part: part.rawValue, capacity: LooseText(text: value)).decoded(service)
                        if let capacity = fields.capacity, !(0...ShelfCapacities.maxCapacity).contains(capacity) {
                            throw BiebError.invalid(name, "A capacity lies between 0 and 2,000,000 copies.", nl: "Een capaciteit ligt tussen 0 en 2.000.000 exemplaren.")
                        }
                        changes.append((branch, part, fields.capacity))
                    } catch let error as BiebError where error.kind == .invalid {
                        throw BiebError.invalid(name, error.message(dutch: false), nl: error.message(dutch: true))
                    }
                }
            }
            for (branch, part, capacity) in changes { try await shelves.set(branch: branch.id, part: part, capacity: capacity) }
            return req.redirect(to: "/staff/collectie/balans", done: "balance_capacities_saved")
        } catch let error as BiebError where error.kind == .invalid {
            return try await render(req, refused: error, typed: form, sent: nil)
        }
    }

    func makeList(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        do {
            _ = try await Balancing(service.db, organisationID: service.organisationID).makeTransfers(today: service.today)
            return req.redirect(to: "/staff/collectie/balans", done: "balance_list_made")
        } catch let error as BiebError where error.kind == .conflict {
            return try await render(req, refused: error, typed: [:], sent: nil)
        }
    }

    func send(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        let form = try req.content.decode([String: String].self)
        do {
            let branch = try service.requireBranch(form["branch"])
            _ = try req.staff(.circulate, branch: branch.id)
            guard let barcode = form["barcode"]?.trimmed, !barcode.isEmpty else {
                throw BiebError.invalid("barcode", "Scan the copy's barcode.", nl: "Scan de streepjescode van het exemplaar.")
            }
            let line = try await Balancing(service.db, organisationID: service.organisationID).send(barcode: barcode, at: branch.id, staff: service.user.id)
            return try await render(req, refused: nil, typed: ["branch": branch.slug], sent: line)
        } catch let error as BiebError where [.invalid, .conflict, .notFound].contains(error.kind) {
            return try await render(req, refused: error, typed: form, sent: nil)
        }
    }

    func cancel(req: Request) async throws -> Response {
        let service = try await CollectionService.make(req, .manageCollection)
        try await Balancing(service.db, organisationID: service.organisationID).cancelUnsent()
        return req.redirect(to: "/staff/collectie/balans", done: "balance_cancelled")
    }
}
