import Foundation
import BiebCore

/// A rejected form, shown the same way on every page that uses it: the errors
/// in a summary at the top of the page (in the error colour, each linking to
/// its field; the form's action ends in `#fout`, so the browser scrolls to
/// the summary without JavaScript) and each next to its own field
/// (`errors.fields.<field>`, with `aria-invalid` and `aria-describedby`). The
/// page renders the form again with everything the person typed.
/// Template: `Views/form-errors.leaf` (the summary).
struct FormErrors: Encodable {
    struct Item: Encodable {
        /// The id of the field in the form; nil for an error about the whole form.
        let field: String?
        /// The field as the error names it (the API's name), for tests and scripts: `data-field`.
        let name: String?
        let message: String
    }

    let items: [Item]
    /// Field id → its message, for the line under the field.
    let fields: [String: String]

    /// `error` as the form's errors; `known` are the fields the form has (an error about another field,
    /// or none, goes in the summary only).
    init(_ error: BiebError, lang: Language, known: Set<String>) {
        self.init(error, lang: lang, ids: Dictionary(uniqueKeysWithValues: known.map { ($0, $0) }))
    }

    /// `error` as the errors of a form whose field ids differ from the error's field names (several forms on
    /// one page): `ids` maps an error's field to the id of its input.
    init(_ error: BiebError, lang: Language, ids: [String: String]) {
        self.init(error, summary: error.message(dutch: lang == .nl), lang: lang, ids: ids)
    }

    /// The same with the summary's words given (staff pages name the field's label there: "Postcode: …");
    /// next to the field the message alone.
    init(_ error: BiebError, summary: String, lang: Language, ids: [String: String]) {
        let field = error.field.flatMap { ids[$0] }
        items = [Item(field: field, name: error.field, message: summary)]
        fields = field.map { [$0: error.message(dutch: lang == .nl)] } ?? [:]
    }
}
