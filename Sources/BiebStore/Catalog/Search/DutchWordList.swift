import Foundation
import BiebCore

/// The Dutch word list the search index splits compound words with
/// (`DutchCompounds`): OpenTaal's list as Debian packages it (`apt-get install
/// wdutch`, `/usr/share/dict/dutch`), or the file `BIEB_DUTCH_WORDS` names
/// (empty: no splitting). Read once per process, when the first title is
/// indexed. Without the list, compounds are indexed whole only: "oorlog" does
/// not find "Wereldoorlog". After installing it, `bieb reindex` splits the
/// compounds of titles indexed before.
public enum DutchWordList {
    public static let defaultPath = "/usr/share/dict/dutch"

    /// The file read, or nil when splitting is switched off.
    public static let path: String? = {
        let configured = ProcessInfo.processInfo.environment["BIEB_DUTCH_WORDS"] ?? defaultPath
        return configured.isEmpty ? nil : configured
    }()

    /// The compounds splitter, or nil when the list is switched off or missing.
    public static let compounds: DutchCompounds? = {
        guard let path, let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let compounds = DutchCompounds(wordList: text)
        return compounds.count > 0 ? compounds : nil
    }()
}
