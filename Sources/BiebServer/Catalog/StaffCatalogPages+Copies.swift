import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// Staff pages of a title's copies: adding, changing and withdrawing them.
extension StaffCatalogPages {
    // MARK: Copies

    struct ItemForm: Content {
        var csrf: String?
        var barcode: String?
        var branch: String?
        var call_number: String?
        var shelf: String?
        var price: String?
        var acquired: String?
        var status: String?

        func draft(branches: [BranchLabel]) throws -> ItemDraft {
            guard let branch = branches.first(where: { $0.slug == self.branch }) else {
                throw BiebError.invalid("branch", "Choose a branch.", nl: "Kies een vestiging.")
            }
            var cents: Int?
            if let text = price?.trimmed, !text.isEmpty {
                guard let value = Double(text.replacingOccurrences(of: ",", with: ".")), value >= 0 else {
                    throw BiebError.invalid("price", "'\(text)' is not a price.", nl: "'\(text)' is geen prijs.")
                }
                cents = Int((value * 100).rounded())
            }
            var date: LocalDate?
            if let text = acquired?.trimmed, !text.isEmpty {
                guard let value = LocalDate(iso: text) else {
                    throw BiebError.invalid("acquired", "'\(text)' is not a date (YYYY-MM-DD).", nl: "'\(text)' is geen datum (JJJJ-MM-DD).")
                }
                date = value
            }
            return ItemDraft(barcode: barcode ?? "", branchID: branch.id, callNumber: call_number ?? "", shelfLocation: shelf ?? "",
                             priceCents: cents, acquired: date)
        }
    }

    func addItem(req: Request) async throws -> Response {
        let (page, org, title) = try await Self.editing(req)
        let form = try req.content.decode(ItemForm.self)
        do {
            let draft = try form.draft(branches: try await req.branches.labels(of: try org.requireID()))
            _ = try await CatalogStore(req.db, organisationID: try org.requireID()).addItem(to: title.id!, draft)
            return req.redirect(to: "/staff/catalogue/\(title.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: nil, error: error)
        }
    }

    func saveItem(req: Request) async throws -> Response {
        let (page, org, title) = try await Self.editing(req)
        let store = CatalogStore(req.db, organisationID: try org.requireID())
        guard let itemID = req.parameters.get("itemID").flatMap(Int.init),
              try await store.items(of: title.id!).contains(where: { $0.id == itemID }) else { throw Abort(.notFound) }
        let form = try req.content.decode(ItemForm.self)
        do {
            let draft = try form.draft(branches: try await req.branches.labels(of: try org.requireID()))
            try await store.updateItem(itemID, draft)
            if let text = form.status, let status = ItemStatus(rawValue: text),
               let item = try await store.items(of: title.id!).first(where: { $0.id == itemID }), item.status != status {
                // Staff may withdraw a copy or mark it lost or missing; lending and returning belong to the desk.
                try await store.setStatus(status, ofItems: [itemID])
            }
            return req.redirect(to: "/staff/catalogue/\(title.id!)", done: "saved")
        } catch let error as BiebError {
            return try await renderTitle(page, org: org, title: title, form: nil, error: error)
        }
    }
}
