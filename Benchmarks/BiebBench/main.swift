import BiebCore
import Foundation

// Benchmarks of BiebCore. Run in release mode:
//
//   swift run -c release bieb-bench              the branch calendar
//   swift run -c release bieb-bench marc FILE    reading (and writing) a MARC file
//   swift run -c release bieb-bench stem dutch|english FILE   stems of the words in FILE (one a line)
//   swift run -c release bieb-bench compounds WORDLIST [MARCFILE] [--sample]   splitting Dutch compounds (cost, sample)
//   swift run -c release bieb-bench sql DB SQL [RUNS]      times a SQL statement (DB: SQLite file or postgres:// URL)
//   swift run -c release bieb-bench search DB ORG QUERY...  catalogue search with facets, cold and cached
//   swift run -c release bieb-bench plain-search DB PORT   a plain FTS5 search over HTTP (the baseline of scripts/bench-search-plain.sh)
//   swift run -c release bieb-bench generate-marc IN OUT N [FIRST]   N synthetic variants of every record of IN (numbered from FIRST, 1 by default)
//   swift run -c release bieb-bench circulation-setup DB ORG MEMBERS ITEMS OUTDIR   members and scan lists for the desk load test
//   swift run -c release bieb-bench sip2-setup DB ORG       a kiosk account per branch, branches open for the run
//   swift run -c release bieb-bench sip2 PORT ITEMS CARDS [TERMINALS] [SECONDS] [RATE]   kiosks lending and taking in over SIP2
//   swift run -c release bieb-bench insights DB ORG EVENTS   a day of EVENTS loans into the statistics' facts, beside a plain copy
//   swift run -c release bieb-bench insights-scale DB FACTOR [ROUNDS]   five years at FACTOR of national scale; rebuild and dashboards
//   swift run -c release bieb-bench collection-scale DB COPIES [ROUNDS]   the collection plan over COPIES copies of a national network
//   swift run -c release bieb-bench national DB FRACTION MARC...   grows a database toward FRACTION of the Dutch network (scripts/bench-national.sh)
//   swift run -c release bieb-bench national-day DB    a day of the network's lending, and the statistics' run over it timed (BENCH_VERBOSE=1: each phase)
//
// Prints one line per case: operations, total time, time per operation.

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "stem" {
    // bieb-bench stem dutch|english FILE: prints "word<TAB>stem" per input line (for comparing with Snowball).
    let language = CommandLine.arguments[2] == "dutch" ? StemLanguage.dutch : .english
    let text = (try? String(contentsOfFile: CommandLine.arguments[3], encoding: .utf8)) ?? ""
    var out = ""
    for word in text.split(separator: "\n") { out += "\(word)\t\(language.stem(String(word)))\n" }
    FileHandle.standardOutput.write(Data(out.utf8))
    exit(0)
}

if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "compounds" {
    let rest = CommandLine.arguments.dropFirst(3).filter { $0 != "--sample" }
    benchmarkCompounds(wordList: CommandLine.arguments[2], marc: rest.first, sample: CommandLine.arguments.contains("--sample"))
    exit(0)
}

if CommandLine.arguments.count >= 5, CommandLine.arguments[1] == "generate-marc" {
    generateMARC(from: CommandLine.arguments[2], to: CommandLine.arguments[3], copies: Int(CommandLine.arguments[4]) ?? 3,
                 first: CommandLine.arguments.count > 5 ? Int(CommandLine.arguments[5]) ?? 1 : 1)
    exit(0)
}

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "sql" {
    benchmarkSQL(database: CommandLine.arguments[2], statement: CommandLine.arguments[3],
                 runs: CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? 5 : 5)
    exit(0)
}

if CommandLine.arguments.count >= 5, CommandLine.arguments[1] == "search" {
    benchmarkSearch(database: CommandLine.arguments[2], organisation: CommandLine.arguments[3], queries: Array(CommandLine.arguments[4...]))
    exit(0)
}

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "plain-search" {
    servePlainSearch(database: CommandLine.arguments[2], port: Int(CommandLine.arguments[3]) ?? 8190)
    exit(0)
}

if CommandLine.arguments.count >= 7, CommandLine.arguments[1] == "circulation-setup" {
    setUpCirculationBenchmark(database: CommandLine.arguments[2], organisation: CommandLine.arguments[3],
                              members: Int(CommandLine.arguments[4]) ?? 100_000, items: Int(CommandLine.arguments[5]) ?? 100_000,
                              output: CommandLine.arguments[6])
    exit(0)
}

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "insights-scale" {
    benchmarkInsightScale(database: CommandLine.arguments[2], factor: Double(CommandLine.arguments[3]) ?? 0.1,
                          rounds: CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? 20 : 20)
    exit(0)
}

if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "planning-scale" {
    benchmarkPlanningScale(database: CommandLine.arguments[2], rounds: CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 5 : 5)
    exit(0)
}

if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "research" {
    benchmarkResearch(database: CommandLine.arguments[2], rounds: CommandLine.arguments.count > 3 ? Int(CommandLine.arguments[3]) ?? 5 : 5)
    exit(0)
}

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "collection-scale" {
    benchmarkCollectionScale(database: CommandLine.arguments[2], copies: Int(CommandLine.arguments[3]) ?? 2_000_000,
                             rounds: CommandLine.arguments.count > 4 ? Int(CommandLine.arguments[4]) ?? 10 : 10)
    exit(0)
}

if CommandLine.arguments.count >= 5, CommandLine.arguments[1] == "national" {
    generateNationalNetwork(database: CommandLine.arguments[2], fraction: Double(CommandLine.arguments[3]) ?? 0.05,
                            marcFiles: Array(CommandLine.arguments[4...]))
    exit(0)
}

if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "national-day" {
    benchmarkNationalDay(database: CommandLine.arguments[2])
    exit(0)
}

if CommandLine.arguments.count >= 5, CommandLine.arguments[1] == "insights" {
    benchmarkInsights(database: CommandLine.arguments[2], organisation: CommandLine.arguments[3], events: Int(CommandLine.arguments[4]) ?? 150_000)
    exit(0)
}

if CommandLine.arguments.count >= 4, CommandLine.arguments[1] == "sip2-setup" {
    setUpSIP2Benchmark(database: CommandLine.arguments[2], organisation: CommandLine.arguments[3])
    exit(0)
}

if CommandLine.arguments.count >= 5, CommandLine.arguments[1] == "sip2" {
    let arguments = CommandLine.arguments
    benchmarkSIP2(port: Int(arguments[2]) ?? 6001, items: arguments[3], cards: arguments[4],
                  terminals: arguments.count > 5 ? Int(arguments[5]) ?? 50 : 50, seconds: arguments.count > 6 ? Int(arguments[6]) ?? 30 : 30,
                  rate: arguments.count > 7 ? Double(arguments[7]) ?? 0 : 0)
    exit(0)
}

if CommandLine.arguments.count >= 3, CommandLine.arguments[1] == "marc" {
    benchmarkMARC(path: CommandLine.arguments[2])
    exit(0)
}

func t(_ s: String) -> LocalTime { LocalTime(s)! }

let weekdays: [Weekday] = [.monday, .tuesday, .wednesday, .thursday, .friday]
/// A busy branch: staffed and self-service periods every day, a lunch break,
/// a seasonal schedule and two years of public holidays plus ad-hoc closures.
let standard = WeeklySchedule(name: "Standaard", periods:
    [WeeklyPeriod(.monday, t("13:00"), t("17:00"), .staffed)]
    + [Weekday.tuesday, .wednesday, .thursday, .friday].map { WeeklyPeriod($0, t("10:00"), t("17:30"), .staffed) }
    + [WeeklyPeriod(.saturday, t("10:00"), t("14:30"), .staffed), WeeklyPeriod(.wednesday, t("12:30"), t("13:00"), .closed)]
    + Weekday.allCases.map { WeeklyPeriod($0, t("08:00"), t("22:00"), .selfService) })
var summer = standard
summer.name = "Zomer"
summer.validFrom = LocalDate(iso: "2027-07-17")
summer.validUntil = LocalDate(iso: "2027-08-29")
summer.periods.removeAll { $0.weekday == .monday }
var exceptions = DutchHolidays.exceptions(in: 2026, for: standard) + DutchHolidays.exceptions(in: 2027, for: standard)
for month in 1...12 {
    exceptions.append(CalendarException(startDate: LocalDate(year: 2027, month: month, day: 9)!, reason: "Studiedag"))
}
let calendar = BranchCalendar(schedules: [standard, summer], exceptions: exceptions)
let start = try! Date("2026-11-24T11:00:00Z", strategy: .iso8601)

func measure(_ name: String, iterations: Int, _ body: (Int) -> Int) {
    var sink = 0
    for i in 0..<min(iterations / 10 + 1, 1_000) { sink &+= body(i) } // warm-up
    let clock = ContinuousClock()
    let elapsed = clock.measure {
        for i in 0..<iterations { sink &+= body(i) }
    }
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let perOp = seconds / Double(iterations)
    let perOpText = perOp >= 1e-3 ? String(format: "%.2f ms", perOp * 1e3) : String(format: "%.2f µs", perOp * 1e6)
    let label = name.padding(toLength: 52, withPad: " ", startingAt: 0)
    print(label + String(format: "%9d ops %8.3f s %10@/op %10.0f ops/s", iterations, seconds, perOpText as NSString,
                         Double(iterations) / seconds) + (sink == 42 ? " " : ""))
}

print("Branch calendar benchmarks (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
measure("status(at:) — open now, until when, next opening", iterations: 20_000) { i in
    calendar.status(at: start.addingTimeInterval(Double(i % 2_000) * 3_671)).openChain.count
}
measure("level(at:) — the level at an instant", iterations: 50_000) { i in
    calendar.level(at: start.addingTimeInterval(Double(i % 5_000) * 1_237)).rank
}
measure("firstOpeningDay(onOrAfter:) — a due date", iterations: 100_000) { i in
    calendar.firstOpeningDay(onOrAfter: LocalDate(iso: "2026-12-01")!.adding(days: i % 400))?.day ?? 0
}
measure("openingDay(counting: 7) — hold-shelf expiry", iterations: 50_000) { i in
    calendar.openingDay(counting: 7, after: LocalDate(iso: "2026-12-01")!.adding(days: i % 400))?.day ?? 0
}
measure("openingDays(from:through:) — a whole year", iterations: 500) { i in
    calendar.openingDays(from: LocalDate(iso: "2027-01-01")!, through: LocalDate(iso: "2027-12-31")!).count + i
}
// The whole Dutch network: 1,270 locations, "which are open now".
let network = (0..<1_270).map { i in
    BranchCalendar(schedules: [i % 3 == 0 ? standard : WeeklySchedule(periods: weekdays.map { WeeklyPeriod($0, t("10:00"), t("18:00"), .staffed) })],
                   exceptions: exceptions)
}
measure("status of all 1,270 Dutch library locations", iterations: 20) { i in
    network.reduce(0) { $0 + ($1.status(at: start.addingTimeInterval(Double(i) * 3_600)).isOpen ? 1 : 0) }
}
