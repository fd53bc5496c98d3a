// Longer than 600 lines on purpose: the index's columns, keeping them up to
// date and the search loop that reads them share private storage guarded by
// one lock; split across files, that storage would have to be visible to the
// whole module.
import Foundation
import SQLKit
import BiebCore

/// The few columns that search filters, counts and sorts on, for every
/// title, in memory: format, language, audience, year, NUR genre, work,
/// sort keys, and the branches with a copy and with a copy on the shelf.
///
/// Why: a broad word ("history") matches a tenth of a large catalogue, and
/// counting facets for such a hit set in SQL means joining and grouping a
/// hundred thousand rows per facet. Here a hit costs a few array reads, so
/// all facets of such a search take about a millisecond.
///
/// Arrays are indexed by title id and shared by all organisations loaded
/// from one database (a slot holds the organisation it belongs to). An
/// organisation is loaded on its first search and kept up to date from its
/// catalogue version (`CatalogChanges`): each search first asks the database
/// for the version and, when it moved, reads only the titles stamped since.
/// About 41 bytes per title: 41 MB for a million titles.
public final class FacetIndex: @unchecked Sendable {
    /// Fail bits of a title against the filters, one per facet.
    struct Fail {
        static let format: UInt8 = 1, language: UInt8 = 2, audience: UInt8 = 4, year: UInt8 = 8, genre: UInt8 = 16
        static let branch: UInt8 = 32, available: UInt8 = 64
    }

    /// A column: a plain buffer, so that reading it in the search loop
    /// costs no reference counting (two threads retaining one array buffer
    /// for every read were most of the cost). Written only under the write lock.
    struct Column<Element> {
        private(set) var buffer = UnsafeMutableBufferPointer<Element>(start: nil, count: 0)

        subscript(index: Int) -> Element {
            get { buffer[index] }
            nonmutating set { buffer[index] = newValue }
        }

        var count: Int { buffer.count }

        /// A larger buffer with the old values, the new places set to `fill`.
        mutating func grow(to size: Int, fill: Element) {
            guard size > buffer.count else { return }
            let larger = UnsafeMutableBufferPointer<Element>.allocate(capacity: size)
            if let base = buffer.baseAddress {
                larger.baseAddress!.moveInitialize(from: base, count: buffer.count)
                buffer.deallocate()
            }
            (larger.baseAddress! + buffer.count).initialize(repeating: fill, count: size - buffer.count)
            buffer = larger
        }

        func free() { if buffer.baseAddress != nil { buffer.deallocate() } }
    }

    struct Columns {
        /// Organisation number (1-based) of the title in this slot; 0: no (live) title.
        var organisation = Column<UInt16>()
        var format = Column<UInt8>()
        var language = Column<UInt16>()
        var audience = Column<UInt8>()
        var year = Column<Int16>()
        var genre = Column<UInt16>()
        var work = Column<UInt32>()
        var titleKey = Column<UInt64>()
        var authorKey = Column<UInt64>()
        /// Words in the title (at most 255), for ranking (`SearchRank`).
        var titleWords = Column<UInt8>()
        /// `words` bit words per title: branches (by the organisation's branch number) with a copy.
        var copies = Column<UInt64>()
        /// The same for copies on the shelf now.
        var available = Column<UInt64>()
        var words = 1
        var maxWork: UInt32 = 0

        var count: Int { organisation.count }

        mutating func grow(to size: Int) {
            guard size > count else { return }
            // Room to grow without copying at every new title.
            let size = max(size, count + count / 8)
            organisation.grow(to: size, fill: 0)
            format.grow(to: size, fill: 0)
            language.grow(to: size, fill: 0)
            audience.grow(to: size, fill: 0)
            year.grow(to: size, fill: 0)
            genre.grow(to: size, fill: 0)
            work.grow(to: size, fill: 0)
            titleKey.grow(to: size, fill: 0)
            authorKey.grow(to: size, fill: .max)
            titleWords.grow(to: size, fill: 0)
            copies.grow(to: size * words, fill: 0)
            available.grow(to: size * words, fill: 0)
        }

        /// Doubles the branch words per title (an organisation got more branches than fit).
        mutating func widen() {
            let old = words
            var newCopies = Column<UInt64>(), newAvailable = Column<UInt64>()
            newCopies.grow(to: count * old * 2, fill: 0)
            newAvailable.grow(to: count * old * 2, fill: 0)
            for slot in 0..<count {
                for word in 0..<old {
                    newCopies[slot * old * 2 + word] = copies[slot * old + word]
                    newAvailable[slot * old * 2 + word] = available[slot * old + word]
                }
            }
            copies.free()
            available.free()
            copies = newCopies
            available = newAvailable
            words = old * 2
        }

        func free() {
            organisation.free(); format.free(); language.free(); audience.free(); year.free(); genre.free(); work.free()
            titleKey.free(); authorKey.free(); titleWords.free(); copies.free(); available.free()
        }
    }

    struct Organisation {
        let number: UInt16
        var version = -1
        /// Branch number (bit) by branch id, and back.
        var branchBits: [UUID: Int] = [:]
        var branches: [UUID] = []
    }

    /// Guards the columns, organisations and languages: searches read together, loading writes alone.
    private let rw = ReadWriteLock()
    /// Guards `refreshing`.
    private let lock = NSLock()
    private var columns = Columns()
    private var organisations: [UUID: Organisation] = [:]
    private var languageNumbers: [String: UInt16] = [:]
    private var languages: [String] = [""]
    /// Works get small numbers in memory (a bit each in a search's work set): number by work id, and back.
    private var workNumbers: [Int: UInt32] = [:]
    private var workIDs: [Int] = [0]
    private var refreshing: [UUID: Task<Void, any Error>] = [:]

    static let formats = MaterialFormat.allCases.map(\.rawValue)
    static let audiences = Audience.allCases.map(\.rawValue)
    /// Above this many changed titles an organisation is read again whole.
    static let incrementalLimit = 50_000
    /// Titles read per query when loading.
    static let chunk = 50_000

    public init() {}

    deinit { columns.free() }

    // MARK: Keeping up to date

    /// Makes sure the organisation's columns are at least at the current
    /// catalogue version, and returns that version. One refresh per
    /// organisation runs at a time; concurrent searches wait for it.
    public func refresh(organisationID: UUID, on sql: any SQLDatabase) async throws -> CatalogChanges.Versions {
        let current = try await CatalogChanges.current(organisationID: organisationID, on: sql)
        while true {
            let fresh = rw.reading { (organisations[organisationID]?.version ?? -1) >= current.version }
            if fresh { return current }
            let task: Task<Void, any Error> = lock.withLock {
                if let running = refreshing[organisationID] { return running }
                let task = Task { try await self.load(organisationID: organisationID, on: sql) }
                refreshing[organisationID] = task
                return task
            }
            do {
                try await task.value
                lock.withLock { if refreshing[organisationID] == task { refreshing[organisationID] = nil } }
            } catch {
                lock.withLock { if refreshing[organisationID] == task { refreshing[organisationID] = nil } }
                throw error
            }
        }
    }

    /// The catalogue version an organisation's columns are at; nil before its first load.
    public func loadedVersion(of organisationID: UUID) -> Int? {
        rw.reading { organisations[organisationID]?.version }
    }

    /// Reads what changed since the loaded version (or everything) and applies it.
    private func load(organisationID: UUID, on sql: any SQLDatabase) async throws {
        // The version first: whatever is read after it is at least as new.
        let target = try await CatalogChanges.current(organisationID: organisationID, on: sql).version
        let loaded = rw.reading { organisations[organisationID]?.version ?? -1 }
        var full = loaded < 0
        if !full {
            let changed = try await sql.select().column(SQLFunction("count", args: SQLLiteral.all), as: "n").from(Title.schema)
                .where("organisation_id", .equal, organisationID).where("changed_version", .greaterThan, loaded)
                .first()?.decode(column: "n", as: Int.self) ?? 0
            full = changed > Self.incrementalLimit
        }
        let maxID = try await sql.select().column(SQLFunction("max", args: SQLColumn("id")), as: "m").from(Title.schema)
            .first()?.decode(column: "m", as: Int?.self) ?? 0

        var rows: [TitleRow] = []
        var after = 0
        while true {
            let (chunk, last) = try await readTitles(organisationID: organisationID, after: after, changedSince: full ? nil : loaded, on: sql)
            rows += chunk
            guard let last, chunk.count >= Self.chunk else { break }
            after = last
        }
        let liveIDs = rows.filter { !$0.deleted }.map(\.id)
        var copies: [(branch: UUID, status: String, titles: [Int])] = []
        if full {
            copies = try await readCopies(organisationID: organisationID, titles: nil, on: sql)
        } else {
            for chunk in liveIDs.chunked(into: 1000) {
                copies += try await readCopies(organisationID: organisationID, titles: Array(chunk), on: sql)
            }
        }

        rw.writing {
            var organisation = organisations[organisationID]
                ?? Organisation(number: UInt16(organisations.count + 1))
            columns.grow(to: max(maxID, rows.last?.id ?? 0) + 1)
            let number = organisation.number
            if full {
                for slot in 0..<columns.count where columns.organisation[slot] == number { clear(slot) }
                organisation.branchBits = [:]
                organisation.branches = []
            }
            for row in rows {
                clear(row.id)
                guard !row.deleted else { continue }
                columns.organisation[row.id] = number
                columns.format[row.id] = UInt8((Self.formats.firstIndex(of: row.format) ?? Self.formats.count - 1) + 1)
                columns.language[row.id] = languageNumber(row.language)
                columns.audience[row.id] = row.audience.flatMap { Self.audiences.firstIndex(of: $0) }.map { UInt8($0 + 1) } ?? 0
                columns.year[row.id] = Int16(clamping: row.year ?? 0)
                columns.genre[row.id] = UInt16(clamping: row.nur ?? 0)
                columns.work[row.id] = workNumber(row.work)
                columns.titleKey[row.id] = row.titleKey
                columns.authorKey[row.id] = row.authorKey
                columns.titleWords[row.id] = row.titleWords
            }
            for group in copies {
                guard let status = ItemStatus(rawValue: group.status), status.isInCollection else { continue }
                let bit = branchBit(group.branch, in: &organisation)
                let words = columns.words
                for id in group.titles where id < columns.count && columns.organisation[id] == number {
                    columns.copies[id * words + bit / 64] |= 1 << UInt64(bit % 64)
                    if status == .available { columns.available[id * words + bit / 64] |= 1 << UInt64(bit % 64) }
                }
            }
            organisation.version = max(organisation.version, target)
            organisations[organisationID] = organisation
        }
    }

    /// Empties a slot (under the lock).
    private func clear(_ slot: Int) {
        guard slot < columns.count else { return }
        columns.organisation[slot] = 0
        for word in 0..<columns.words {
            columns.copies[slot * columns.words + word] = 0
            columns.available[slot * columns.words + word] = 0
        }
    }

    /// The in-memory number of a work id (under the write lock).
    private func workNumber(_ id: Int) -> UInt32 {
        if let number = workNumbers[id] { return number }
        let number = UInt32(workIDs.count)
        workIDs.append(id)
        workNumbers[id] = number
        columns.maxWork = number
        return number
    }

    private func languageNumber(_ code: String?) -> UInt16 {
        guard let code, !code.isEmpty else { return 0 }
        if let number = languageNumbers[code] { return number }
        let number = UInt16(languages.count)
        languages.append(code)
        languageNumbers[code] = number
        return number
    }

    /// The bit of a branch (under the lock), widening the columns when it does not fit.
    private func branchBit(_ branch: UUID, in organisation: inout Organisation) -> Int {
        if let bit = organisation.branchBits[branch] { return bit }
        let bit = organisation.branches.count
        organisation.branches.append(branch)
        organisation.branchBits[branch] = bit
        while bit >= columns.words * 64 { columns.widen() }
        return bit
    }

    struct TitleRow {
        var id: Int
        var deleted: Bool
        var format: String
        var language: String?
        var audience: String?
        var year: Int?
        var nur: Int?
        var work: Int
        var titleKey: UInt64
        var authorKey: UInt64
        var titleWords: UInt8
    }

    /// One chunk of titles in id order, as one string per chunk (far fewer
    /// rows to decode than one per title): fields split by U+001F, titles by
    /// U+001E — separators MARC itself uses, so no title contains them.
    private func readTitles(organisationID: UUID, after: Int, changedSince: Int?, on sql: any SQLDatabase) async throws -> ([TitleRow], Int?) {
        let sqlite = SearchIndex.engine(of: sql) == .sqlite
        let fields = ["id", sqlite ? "deleted" : "CAST(deleted AS INT)", "format", "language", "audience",
                      sqlite ? "year" : "year::text", sqlite ? "nur" : "nur::text", sqlite ? "work_id" : "work_id::text",
                      "title", "main_author"]
        let joined = sqlite
            ? fields.map { "ifnull(\($0), '')" }.joined(separator: " || char(31) || ")
            : "concat_ws(chr(31), " + fields.map { "coalesce(\($0)::text, '')" }.joined(separator: ", ") + ")"
        let aggregate = sqlite ? "group_concat(\(joined), char(30))" : "string_agg(\(joined), chr(30) ORDER BY id)"
        var query: SQLQueryString = "SELECT \(unsafeRaw: aggregate) AS rows, count(*) AS n, max(id) AS last FROM (SELECT * FROM titles WHERE \(sql.isOrganisation(organisationID, "organisation_id")) AND id > \(bind: after)"
        if let changedSince {
            query.appendLiteral(" AND changed_version > ")
            query.appendInterpolation(bind: changedSince)
        }
        // In the order of titles_organisation_id_idx, so both databases read the organisation's titles from it.
        query.appendLiteral(" ORDER BY organisation_id, id LIMIT \(Self.chunk)) AS chunk")
        guard let row = try await sql.raw(query).first(),
              let text = try row.decode(column: "rows", as: String?.self) else { return ([], nil) }
        let last = try row.decode(column: "last", as: Int?.self)
        var rows: [TitleRow] = []
        rows.reserveCapacity(try row.decode(column: "n", as: Int.self))
        for record in text.utf8.split(separator: 0x1E, omittingEmptySubsequences: true) {
            let parts = record.split(separator: 0x1F, omittingEmptySubsequences: false)
            guard parts.count == 10, let id = Int(Substring(parts[0])) else { continue }
            func text(_ index: Int) -> String? {
                parts[index].isEmpty ? nil : String(Substring(parts[index]))
            }
            let title = SortKey.text(text(8) ?? "")
            rows.append(TitleRow(id: id, deleted: text(1) == "1" || text(1) == "true", format: text(2) ?? "other",
                                 language: text(3), audience: text(4), year: text(5).flatMap { Int($0) },
                                 nur: text(6).flatMap { Int($0) }, work: text(7).flatMap { Int($0) } ?? 0,
                                 titleKey: SortKey.prefix(title),
                                 authorKey: text(9).map { SortKey.prefix(SortKey.text($0)) } ?? .max,
                                 titleWords: UInt8(clamping: SortKey.wordCount(ofSortable: title))))
        }
        return (rows, last)
    }

    /// Titles with copies, per branch and status (all of the organisation, or of some titles).
    private func readCopies(organisationID: UUID, titles: [Int]?, on sql: any SQLDatabase) async throws -> [(branch: UUID, status: String, titles: [Int])] {
        let sqlite = SearchIndex.engine(of: sql) == .sqlite
        var query: SQLQueryString = "SELECT current_branch_id AS branch, status, \(unsafeRaw: sqlite ? "group_concat(title_id)" : "string_agg(title_id::text, ',')") AS titles FROM items WHERE organisation_id = \(bind: organisationID)"
        if let titles {
            query.appendLiteral(" AND title_id IN (")
            for (index, id) in titles.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query.appendInterpolation(bind: id)
            }
            query.appendLiteral(")")
        }
        query.appendLiteral(" GROUP BY current_branch_id, status")
        return try await sql.raw(query).all().map { row in
            let list = try row.decode(column: "titles", as: String.self)
            return (try row.decode(column: "branch", as: UUID.self), try row.decode(column: "status", as: String.self),
                    list.utf8.split(separator: UInt8(ascii: ",")).compactMap { Int(Substring($0)) })
        }
    }

    // MARK: Reading

    /// The work ids (`titles.work_id`) of in-memory work numbers.
    func workIDs(of numbers: [UInt32]) -> [Int] {
        rw.reading { numbers.map { Int($0) < workIDs.count ? workIDs[Int($0)] : 0 } }
    }

    /// The organisation's hits in the order of `SearchRank`: `all` are the
    /// hits of a query in id order, `title` and `author` (in id order too)
    /// those where the whole query matched in the title or in the author.
    /// Titles of other organisations, and any not (yet) in memory, are left out.
    func ranked(all: [Int32], title: [Int32], author: [Int32], queryWords: Int, organisationID: UUID) -> [Int32] {
        rw.reading {
            guard let number = organisations[organisationID]?.number else { return [] }
            let c = columns
            let words = c.words
            let digital = [false] + Self.formats.map { MaterialFormat(rawValue: $0)?.isDigital ?? false }
            var keys: [UInt64] = []
            keys.reserveCapacity(all.count)
            var t = 0, a = 0
            for hit in all {
                while t < title.count && title[t] < hit { t += 1 }
                while a < author.count && author[a] < hit { a += 1 }
                let slot = Int(hit)
                // Not this organisation's (SQLite's index is shared), or added since the columns were read: no result.
                guard hit >= 0, slot < c.count, c.organisation[slot] == number else { continue }
                let match: SearchRank.Match = t < title.count && title[t] == hit ? .title
                    : a < author.count && author[a] == hit ? .author : .elsewhere
                var branches = 0
                for word in 0..<words { branches += c.copies[slot * words + word].nonzeroBitCount }
                let year = Int(c.year[slot])
                keys.append(SearchRank.key(match: match, titleWords: Int(c.titleWords[slot]), queryWords: queryWords, branches: branches,
                                           digital: digital[Int(c.format[slot])], year: year == 0 ? nil : year, id: UInt32(slot)))
            }
            return SearchRank.idsInOrder(ofKeysInIDOrder: keys).map { Int32($0) }
        }
    }

    /// A matching title with its sort keys.
    struct Match {
        var id: Int32
        var work: UInt32
        var key: UInt64
        var key2: UInt64
    }

    struct Evaluation {
        /// Matching titles.
        var titleCount = 0
        /// Distinct works among them.
        var works = 0
        var facets: SearchFacets?
        /// Matches in result order, as many as the first `needed` works (or
        /// titles, ungrouped) take; in title and author order also the matches
        /// whose keys tie with the last one.
        var ordered: [Match] = []
    }

    /// Filters a ranked hit list to the organisation's live titles that pass
    /// the filters, counts titles and works, counts facets (each facet with
    /// the other facets' filters applied), and puts the first `needed`
    /// results in order.
    func evaluate(_ hits: RankedHits, organisationID: UUID, filters: SearchFilters, facets wanted: Bool, sort: SearchSort,
                  needed: Int, grouped: Bool = true) -> Evaluation {
        rw.reading {
            guard let organisation = organisations[organisationID] else { return Evaluation() }
            return evaluate(hits, organisation: organisation, filters: filters, facets: wanted, sort: sort, needed: needed, grouped: grouped)
        }
    }

    /// `evaluate` under the read lock.
    private func evaluate(_ hits: RankedHits, organisation: Organisation, filters: SearchFilters, facets wanted: Bool, sort: SearchSort,
                          needed: Int, grouped: Bool) -> Evaluation {
        let c = columns
        let number = organisation.number
        let words = c.words

        var formatMask: UInt64 = 0
        for format in filters.formats { if let i = Self.formats.firstIndex(of: format.rawValue) { formatMask |= 1 << UInt64(i + 1) } }
        var languageAllowed = [Bool](repeating: false, count: languages.count)
        for code in filters.languages { if let n = languageNumbers[code] { languageAllowed[Int(n)] = true } }
        var audienceMask: UInt64 = 0
        for audience in filters.audiences { if let i = Self.audiences.firstIndex(of: audience.rawValue) { audienceMask |= 1 << UInt64(i + 1) } }
        var genreAllowed = [Bool](repeating: false, count: 1000)
        for genre in filters.genres where (0..<1000).contains(genre) { genreAllowed[genre] = true }
        let yearFrom = filters.yearFrom.map { Int16(clamping: $0) } ?? .min, yearTo = filters.yearTo.map { Int16(clamping: $0) } ?? .max
        let filterYears = filters.yearFrom != nil || filters.yearTo != nil
        // A branch with no copies in the index has no bit: nothing is there.
        let branchBit: Int? = filters.branch.map { organisation.branchBits[$0] ?? -1 }

        var result = Evaluation()
        // Counters in plain zeroed buffers: no uniqueness checks or reference counting in the loop.
        var scratch: [UnsafeMutableRawBufferPointer] = []
        defer { scratch.forEach { $0.deallocate() } }
        func zeroed<T: FixedWidthInteger>(_ count: Int, _ type: T.Type) -> UnsafeMutableBufferPointer<T> {
            let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count) * MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            raw.initializeMemory(as: UInt8.self, repeating: 0)
            scratch.append(raw)
            return UnsafeMutableBufferPointer(start: raw.baseAddress!.assumingMemoryBound(to: T.self), count: count)
        }
        let seenWork = zeroed(Int(c.maxWork) / 64 + 1, UInt64.self)
        let formatCounts = zeroed(Self.formats.count + 1, Int.self)
        let languageCounts = zeroed(languages.count, Int.self)
        let audienceCounts = zeroed(Self.audiences.count + 1, Int.self)
        let genreCounts = zeroed(1000, Int.self)
        let decadeCounts = zeroed(400, Int.self)
        let branchCounts = zeroed(words * 64, Int.self)
        var availableCount = 0
        // Title and author order and newest first: matches and a histogram of the top bits of their keys.
        let sorted = sort != .relevance
        var matched: [Int32] = []
        let histogram = zeroed(sorted ? 1 << 16 : 0, Int.self)
        // Relevance: which slots passed, for the walk in rank order afterwards.
        let passed = zeroed(sorted ? 0 : c.count / 64 + 1, UInt64.self)
        let filtered = formatMask != 0 || !filters.languages.isEmpty || audienceMask != 0 || filterYears || !filters.genres.isEmpty
            || branchBit != nil || filters.availableNow

        for hit in hits.byID {
            let slot = Int(hit)
            guard slot < c.count, c.organisation[slot] == number else { continue }
            var fails: UInt8 = 0
            let year = c.year[slot]
            var availableHere = false
            if !filtered {
                // No filters: every live title passes.
                if wanted { for word in 0..<words where c.available[slot * words + word] != 0 { availableHere = true; break } }
            } else {
                if formatMask != 0, formatMask & (1 << UInt64(c.format[slot])) == 0 { fails |= Fail.format }
                if !filters.languages.isEmpty, !languageAllowed[Int(c.language[slot])] { fails |= Fail.language }
                if audienceMask != 0, audienceMask & (1 << UInt64(c.audience[slot])) == 0 { fails |= Fail.audience }
                if filterYears, year == 0 || year < yearFrom || year > yearTo { fails |= Fail.year }
                if !filters.genres.isEmpty, !genreAllowed[Int(c.genre[slot]) % 1000] { fails |= Fail.genre }
                var anyCopyHere = false
                if let branchBit {
                    if branchBit >= 0 {
                        let word = slot * words + branchBit / 64, bit: UInt64 = 1 << UInt64(branchBit % 64)
                        availableHere = c.available[word] & bit != 0
                        anyCopyHere = c.copies[word] & bit != 0
                    }
                    if !(filters.availableNow ? availableHere : anyCopyHere) { fails |= Fail.branch }
                } else {
                    for word in 0..<words where c.available[slot * words + word] != 0 { availableHere = true; break }
                }
                if filters.availableNow && !availableHere { fails |= Fail.available }
            }

            if fails == 0 {
                result.titleCount += 1
                let work = c.work[slot]
                let newWork = seenWork[Int(work) / 64] & (1 << UInt64(work % 64)) == 0
                if newWork {
                    seenWork[Int(work) / 64] |= 1 << UInt64(work % 64)
                    result.works += 1
                }
                if sorted {
                    matched.append(hit)
                    histogram[Self.bucket(Self.key(sort, c, slot), sort)] += 1
                } else {
                    passed[slot / 64] |= 1 << UInt64(slot % 64)
                }
            }
            guard wanted else { continue }
            if fails & ~Fail.format == 0 { formatCounts[Int(c.format[slot])] += 1 }
            if fails & ~Fail.language == 0 { languageCounts[Int(c.language[slot])] += 1 }
            if fails & ~Fail.audience == 0 { audienceCounts[Int(c.audience[slot])] += 1 }
            if fails & ~Fail.genre == 0 { genreCounts[Int(c.genre[slot]) % 1000] += 1 }
            if fails & ~Fail.year == 0, year > 0 { decadeCounts[min(399, Int(year) / 10)] += 1 }
            if fails & ~(Fail.branch | Fail.available) == 0 {
                let mask = filters.availableNow ? c.available : c.copies
                for word in 0..<words {
                    var bits = mask[slot * words + word]
                    while bits != 0 {
                        branchCounts[word * 64 + bits.trailingZeroBitCount] += 1
                        bits &= bits - 1
                    }
                }
            }
            if fails & ~Fail.available == 0, availableHere { availableCount += 1 }
        }

        if sorted {
            result.ordered = Self.firstInOrder(matched, histogram: Array(histogram), sort: sort, needed: needed, columns: c)
        } else if needed > 0 {
            // Relevance: the first `needed` works (or titles), in the order of their best-ranked edition.
            var works = Set<UInt32>()
            for hit in hits.ranked {
                let slot = Int(hit)
                guard slot < c.count, passed[slot / 64] & (1 << UInt64(slot % 64)) != 0 else { continue }
                let work = c.work[slot]
                if !grouped || works.insert(work).inserted {
                    result.ordered.append(Match(id: hit, work: work, key: 0, key2: 0))
                    if result.ordered.count >= needed { break }
                }
            }
        }
        if wanted {
            func sorted(_ list: [(value: String, count: Int)]) -> [(value: String, count: Int)] {
                list.filter { $0.count > 0 }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            }
            var facets = SearchFacets()
            func counted(_ counts: UnsafeMutableBufferPointer<Int>, from start: Int = 0, _ name: (Int) -> String) -> [(value: String, count: Int)] {
                sorted(counts.indices.dropFirst(start).filter { counts[$0] > 0 }.map { (name($0), counts[$0]) })
            }
            facets.formats = counted(formatCounts, from: 1) { Self.formats[$0 - 1] }
            facets.languages = counted(languageCounts, from: 1) { self.languages[$0] }
            facets.audiences = counted(audienceCounts, from: 1) { Self.audiences[$0 - 1] }
            facets.genres = counted(genreCounts, from: 1) { String(format: "%03d", $0) }
            facets.decades = counted(decadeCounts) { String($0 * 10) }
            facets.branches = counted(branchCounts) { $0 < organisation.branches.count ? organisation.branches[$0].uuidString : "" }
            facets.availableNow = availableCount
            result.facets = facets
        }
        return result
    }

    /// The sort key of a title: smaller comes first.
    static func key(_ sort: SearchSort, _ c: Columns, _ slot: Int) -> UInt64 {
        switch sort {
        case .relevance: return 0
        case .newest:
            // Newest year first, unknown years last; then the most recently added.
            let year = Int(c.year[slot])
            let rank = year <= 0 ? 0xFFFF : UInt64(max(0, min(0xFFFE, 10_000 - year)))
            return rank << 32 | UInt64(UInt32.max - UInt32(truncatingIfNeeded: slot))
        case .title: return c.titleKey[slot]
        case .author: return c.authorKey[slot]
        }
    }

    static func secondKey(_ sort: SearchSort, _ c: Columns, _ slot: Int) -> UInt64 {
        sort == .author ? c.titleKey[slot] : 0
    }

    /// The top sixteen bits of a key (newest: 48-bit keys; title and
    /// author: 60-bit keys, none is `.max`): keys in a smaller bucket sort first.
    static func bucket(_ key: UInt64, _ sort: SearchSort) -> Int {
        if key == .max { return 0xFFFF }
        return Int(min(0xFFFF, sort == .newest ? key >> 32 : key >> 44))
    }

    /// The matches of the first `needed` works in order: only the matches in
    /// the first buckets of the histogram are sorted, enough of them for
    /// `needed` works; for title and author order the matches that tie with
    /// the last key come along (their whole texts decide).
    static func firstInOrder(_ matched: [Int32], histogram: [Int], sort: SearchSort, needed: Int, columns c: Columns) -> [Match] {
        var want = max(needed, 1)
        while true {
            var limit = 0
            var running = 0
            while limit < histogram.count {
                running += histogram[limit]
                if running >= want { break }
                limit += 1
            }
            var candidates: [Match] = []
            candidates.reserveCapacity(running)
            for hit in matched {
                let slot = Int(hit)
                let key = key(sort, c, slot)
                if bucket(key, sort) <= limit {
                    candidates.append(Match(id: hit, work: c.work[slot], key: key, key2: secondKey(sort, c, slot)))
                }
            }
            candidates.sort { ($0.key, $0.key2, $0.id) < ($1.key, $1.key2, $1.id) }
            var works = Set<UInt32>()
            var boundary: (UInt64, UInt64)?
            var ordered: [Match] = []
            for match in candidates {
                if let boundary {
                    if sort == .newest || (match.key, match.key2) > boundary { break }
                }
                ordered.append(match)
                if works.insert(match.work).inserted, works.count == needed { boundary = (match.key, match.key2) }
            }
            if boundary != nil || limit >= histogram.count - 1 || running >= matched.count { return ordered }
            want = running * 2 + needed
        }
    }
}
