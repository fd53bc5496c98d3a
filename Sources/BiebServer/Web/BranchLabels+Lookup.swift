import Foundation
import BiebCore
import BiebStore

extension Array where Element == BranchLabel {
    /// The organisation's branch a request names by slug or id (nil when nothing is named), or a 400 on `field`.
    func named(_ text: String?, field: String = "branch") throws -> BranchLabel? {
        guard let text = text?.trimmed, !text.isEmpty else { return nil }
        guard let branch = first(where: { $0.slug == text || $0.id.uuidString.lowercased() == text.lowercased() }) else {
            throw BiebError.invalid(field, "There is no branch '\(text)' in this organisation.", nl: "Er is geen vestiging '\(text)' in deze organisatie.")
        }
        return branch
    }
}
