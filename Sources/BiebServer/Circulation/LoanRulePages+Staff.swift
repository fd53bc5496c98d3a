import Fluent
import Foundation
import Vapor
import BiebCore
import BiebStore

/// The loan rules on a staff page (`/staff/loan-rules`): the matrix as
/// desks apply it (most specific first, an empty cell takes the value of a
/// more general rule or the library's defaults), changed by admins in one
/// form with the API's rules and errors (`RuleDTO.rules`, then
/// `LoanRuleStore.replaceRules`), and a preview: what a member (by card or
/// membership) gets for a copy (by barcode or item type) at a branch, each
/// term with the rule it comes from. Amounts are in euros on the page.
struct LoanRulePages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let staff = routes.staffPages()
        staff.get("loan-rules", use: show)
        staff.post("loan-rules", use: save)
        staff.post("loan-rules", "preview", use: preview)
    }

    /// The terms in the order of the table; amounts (cents in the API) are typed in euros here.
    static let numberTerms: [LoanTerm] = [.loanDays, .maxRenewals, .maxLoans, .maxLoansOfType, .maxHolds, .finePerDayCents, .maxFineCents,
                                          .holdFeeCents]
    static let euroTerms: Set<LoanTerm> = [.finePerDayCents, .maxFineCents, .holdFeeCents]

    struct Cell: Encodable {
        let id: String
        let label: String
        let value: String
        let error: String?
    }

    struct RuleRow: Encodable {
        let index: Int
        let label: String
        let isNew: Bool
        let branches: [FormOption]
        let categories: [FormOption]
        let types: [FormOption]
        let youth: [FormOption]
        let cells: [Cell]
        let scopeError: String?
        let removed: Bool
    }

    struct PreviewLine: Encodable {
        let term: String
        let value: String
        let source: String
    }

    struct Context: Encodable {
        let page: PageContext
        let canEdit: Bool
        let terms: [String]
        let defaults: [String]
        let rows: [RuleRow]
        let count: Int
        let errors: FormErrors?
        let preview: [PreviewLine]?
        let previewFor: String?
        let previewForm: FormValues
        let previewError: String?
        let branches: [FormOption]
        let categories: [FormOption]
        let types: [FormOption]
    }

    static func termLabel(_ term: LoanTerm, _ page: StaffPages.Page) -> String { page.t("loan_term_\(term.rawValue)") }

    /// A term's value as the page shows and takes it: euros for amounts, ja/nee for the youth exemption.
    static func text(_ term: LoanTerm, _ value: Int?, _ page: StaffPages.Page) -> String {
        guard let value else { return "" }
        if euroTerms.contains(term) { return Money.text(value).replacingOccurrences(of: "€ ", with: "") }
        if term == .youthExemptFromFines { return page.t(value != 0 ? "yes" : "no") }
        return String(value)
    }

    func options(page: StaffPages.Page, anyKey: String, selected: String?,
                 _ values: [(String, String)]) -> [FormOption] {
        [FormOption(value: "", label: page.t(anyKey), selected: (selected ?? "").isEmpty)]
            + values.map { FormOption(value: $0.0, label: $0.1, selected: $0.0 == selected) }
    }

    func render(_ req: Request, service: DeskService, page: StaffPages.Page, typed: FormValues? = nil, error: BiebError? = nil,
                errorRow: Int? = nil, preview: [PreviewLine]? = nil, previewFor: String? = nil, previewForm: FormValues = FormValues(),
                previewError: String? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let store = service.circulation.rules
        let book = try await store.ruleBook(version: try await store.settings().rulesVersion)
        let types = try await service.members.types(includeInactive: true)
        let branchValues = service.branches.map { ($0.slug, $0.name) }
        let categoryValues = types.map { ($0.code, page.lang == .en ? $0.nameEN : $0.nameNL) }
        let typeValues = MaterialFormat.allCases.filter { !$0.isDigital }.map { ($0.rawValue, page.t("format_\($0.rawValue)")) }
        // The rows: as stored, or as typed when the form was refused (plus one empty row for a new rule).
        var sources: [(label: String, values: [String: String], removed: Bool)] = book.rules.map { rule in
            var values = ["branch": rule.scope.branch.flatMap { id in service.branches.first { $0.id == id }?.slug } ?? "",
                          "category": rule.scope.category ?? "", "item_type": rule.scope.itemType ?? ""]
            for term in LoanTerm.allCases where term != .youthExemptFromFines { values[term.rawValue] = Self.text(term, rule.terms.value(term), page) }
            values["youth"] = rule.terms.youthExemptFromFines.map { $0 ? "yes" : "no" } ?? ""
            return (rule.label.text(dutch: page.lang == .nl), values, false)
        }
        if let typed {
            let count = Int(typed["count"] ?? "") ?? 0
            sources = (0..<count).map { index in
                var values: [String: String] = [:]
                for name in ["branch", "category", "item_type", "youth"] + LoanTerm.allCases.map(\.rawValue) { values[name] = typed["r\(index)_\(name)"] ?? "" }
                return (page.t("loan_rules_rule_n", ["n": String(index + 1)]), values, typed["r\(index)_remove"] == "on")
            }
        } else {
            sources.append((page.t("loan_rules_new"), [:], false))
        }
        let errorField = error?.field
        let rows = sources.enumerated().map { index, source in
            let cells = Self.numberTerms.map { term in
                let id = "r\(index)_\(term.rawValue)"
                let wrong = index == errorRow && (errorField?.hasSuffix(term.rawValue) ?? false)
                return Cell(id: id, label: Self.termLabel(term, page) + (Self.euroTerms.contains(term) ? " (€)" : ""),
                            value: source.values[term.rawValue] ?? "", error: wrong ? error?.message(dutch: page.lang == .nl) : nil)
            }
            let scopeWrong = index == errorRow && !cells.contains { $0.error != nil }
            return RuleRow(index: index, label: source.label, isNew: typed == nil && index == sources.count - 1,
                           branches: options(page: page, anyKey: "loan_rules_any_branch", selected: source.values["branch"], branchValues),
                           categories: options(page: page, anyKey: "loan_rules_any_category", selected: source.values["category"], categoryValues),
                           types: options(page: page, anyKey: "loan_rules_any_type", selected: source.values["item_type"], typeValues),
                           youth: options(page: page, anyKey: "loan_rules_inherit", selected: source.values["youth"],
                                          [("yes", page.t("yes")), ("no", page.t("no"))]),
                           cells: cells, scopeError: scopeWrong ? error?.message(dutch: page.lang == .nl) : nil, removed: source.removed)
        }
        var ids: [String: String] = [:]
        if let errorRow, let errorField {
            let term = LoanTerm.allCases.first { errorField.hasSuffix($0.rawValue) }
            ids[errorField] = "r\(errorRow)_" + (term == .youthExemptFromFines ? "youth" : term?.rawValue ?? "branch")
        }
        let summary = error.map { error -> String in
            let term = LoanTerm.allCases.first { errorField?.hasSuffix($0.rawValue) ?? false }
            let row = errorRow.map { page.t("loan_rules_rule_n", ["n": String($0 + 1)]) }
            return [row, term.map { Self.termLabel($0, page) }].compactMap { $0 }.joined(separator: ", ") + ": " + error.message(dutch: page.lang == .nl)
        }
        let errors = error.map { FormErrors($0, summary: summary ?? "", lang: page.lang, ids: ids) }
        return try await page.render("staff/loan_rules", Context(
            page: page.context(page.t("loan_rules_title")), canEdit: service.user.can(.manageLoanRules),
            terms: LoanTerm.allCases.map { Self.termLabel($0, page) },
            defaults: LoanTerm.allCases.map { Self.text($0, book.defaults.value($0), page) }, rows: rows, count: rows.count, errors: errors,
            preview: preview, previewFor: previewFor, previewForm: previewForm, previewError: previewError,
            branches: service.branches.filter(\.active).map { FormOption(value: $0.slug, label: $0.name, selected: $0.slug == previewForm["branch"]) },
            categories: options(page: page, anyKey: "loan_rules_choose", selected: previewForm["category"], categoryValues),
            types: options(page: page, anyKey: "loan_rules_choose", selected: previewForm["item_type"], typeValues)),
            status: status)
    }

    func show(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .circulate)
        return try await render(req, service: service, page: try await StaffPages.Page(req))
    }

    /// One row of the form as the API's input; nil for a row removed or left empty.
    static func rule(_ typed: FormValues, row index: Int) throws -> CirculationAPIController.RuleDTO? {
        guard typed["r\(index)_remove"] != "on" else { return nil }
        func text(_ name: String) -> String? { typed["r\(index)_\(name)"].flatMap { $0.trimmed.isEmpty ? nil : $0.trimmed } }
        var values: [LoanTerm: Int] = [:]
        for term in numberTerms {
            guard let written = text(term.rawValue) else { continue }
            let field = "rules[\(index)].terms.\(term.rawValue)"
            if euroTerms.contains(term) {
                let zero = written.allSatisfy { "0,.€ ".contains($0) }
                values[term] = zero ? 0 : try Money.cents(euros: written, field: field)
            } else {
                guard let number = Int(written) else {
                    throw BiebError.invalid(field, "'\(written)' is not a whole number.", nl: "'\(written)' is geen heel getal.")
                }
                values[term] = number
            }
        }
        let youth = text("youth").map { $0 == "yes" }
        let scope = [text("branch"), text("category"), text("item_type")]
        guard values.isEmpty == false || youth != nil || scope.contains(where: { $0 != nil }) else { return nil }
        return .init(branch: scope[0], category: scope[1], item_type: scope[2], loan_days: values[.loanDays], max_renewals: values[.maxRenewals],
                     max_loans: values[.maxLoans], max_loans_of_type: values[.maxLoansOfType], max_holds: values[.maxHolds],
                     fine_per_day_cents: values[.finePerDayCents], max_fine_cents: values[.maxFineCents], hold_fee_cents: values[.holdFeeCents],
                     youth_exempt_from_fines: youth)
    }

    func save(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .manageLoanRules)
        let page = try await StaffPages.Page(req)
        let typed = FormValues(req)
        let count = min(Int(typed["count"] ?? "") ?? 0, 500)
        // Which form row each kept rule came from, so the store's "rules[2]" names the row the person sees.
        var kept: [(row: Int, rule: CirculationAPIController.RuleDTO)] = []
        var reading = true
        do {
            for index in 0..<count {
                if let rule = try Self.rule(typed, row: index) { kept.append((index, rule)) }
            }
            reading = false
            let rules = try CirculationAPIController.RuleDTO.rules(kept.map(\.rule), service)
            try await service.circulation.rules.replaceRules(rules)
            return req.redirect(to: "/staff/loan-rules?done=loan_rules_saved", redirectType: .normal)
        } catch let error as BiebError {
            var row: Int?
            if let field = error.field, let match = field.firstMatch(of: /^rules\[(\d+)\]/), let position = Int(match.1) {
                // The form's own reading names the form's row; the store names the place among the rules kept.
                row = reading ? position : kept.indices.contains(position) ? kept[position].row : nil
            }
            return try await render(req, service: service, page: page, typed: typed, error: error, errorRow: row, status: error.httpStatus)
        }
    }

    func preview(req: Request) async throws -> Response {
        let service = try await DeskService.make(req, .circulate)
        let page = try await StaffPages.Page(req)
        let typed = FormValues(req)
        do {
            let branch = try service.branch(typed["branch"])
            var category = typed["category"]?.trimmed ?? ""
            var who = ""
            if let card = typed["card"]?.trimmed, !card.isEmpty {
                guard let found = try await service.members.member(card: card) else {
                    throw BiebError.invalid("card", "No member has card '\(card)'.", nl: "Geen lid heeft pas '\(card)'.")
                }
                try await service.logViews(of: [found.member.id!], purpose: .desk)
                category = try await MembershipType.find(found.member.membershipTypeID, on: req.db)?.code ?? ""
                who = found.member.name
            }
            guard !category.isEmpty else {
                throw BiebError.invalid("category", "Give a card number or choose a membership.", nl: "Vul een pasnummer in of kies een abonnement.")
            }
            var itemType = typed["item_type"]?.trimmed ?? ""
            var what = ""
            if let barcode = typed["item"]?.trimmed, !barcode.isEmpty {
                let copy = try await service.circulation.item(barcode: barcode)
                itemType = copy.itemType
                what = copy.title
            }
            guard !itemType.isEmpty else {
                throw BiebError.invalid("item_type", "Give a copy's barcode or choose an item type.", nl: "Vul een streepjescode in of kies een materiaalsoort.")
            }
            let store = service.circulation.rules
            let policy = try await store.ruleBook(version: try await store.settings().rulesVersion)
                .policy(branch: branch.id, category: category, itemType: itemType)
            let lines = LoanTerm.allCases.map { term in
                PreviewLine(term: Self.termLabel(term, page),
                            value: Self.euroTerms.contains(term) ? Money.text(policy.terms.value(term) ?? 0) : Self.text(term, policy.terms.value(term), page),
                            source: policy.source(term).text(dutch: page.lang == .nl))
            }
            let typeName = try await service.members.types(includeInactive: true).first { $0.code == category }
            let subject = page.t("loan_rules_preview_for", [
                "who": who.isEmpty ? ((page.lang == .en ? typeName?.nameEN : typeName?.nameNL) ?? category) : who,
                "what": what.isEmpty ? page.t("format_\(itemType)") : what, "branch": branch.name])
            return try await render(req, service: service, page: page, preview: lines, previewFor: subject, previewForm: typed)
        } catch let error as BiebError {
            return try await render(req, service: service, page: page, previewForm: typed, previewError: error.message(dutch: page.lang == .nl),
                                    status: error.httpStatus)
        }
    }
}
