import BiebCore
import BiebStore
import Fluent
import Foundation
import NIOCore
import NIOPosix
import SQLKit
import Vapor

/// `bieb-bench sip2-setup DB ORG`: a kiosk account per branch
/// ("bench-<slug>", password "bench-password"), and the branches open for
/// self-service around the clock from yesterday to tomorrow (a calendar
/// exception), so kiosks may lend whatever the hour of the run.
func setUpSIP2Benchmark(database: String, organisation slug: String) {
    withDatabase(location(database)) { app in
        guard let org = try await Organisation.query(on: app.db).filter(\.$slug == slug).first() else {
            print("no organisation \(slug)")
            return
        }
        let store = SelfServiceStore(app.db, organisationID: org.id!)
        let directory = BranchDirectory(app.db)
        let hash = try Bcrypt.hash("bench-password", cost: 8)
        let today = LocalDate(Date(), in: org.zone)
        var made = 0
        for branch in try await directory.branches(of: org.id!) {
            let login = "bench-\(branch.slug)"
            if try await SelfServiceStore.terminal(login: login, on: app.db) == nil {
                _ = try await store.create(TerminalDraft(name: "Benchmark \(branch.name)", login: login, kind: .kiosk, branch: branch.id!),
                                           passwordHash: hash)
                made += 1
            }
            for record in try await directory.exceptionRecords(of: branch.id!) where record.reason == "Benchmark" {
                try await directory.deleteException(record)
            }
            _ = try await directory.addException(to: branch.id!, CalendarException(
                startDate: today.adding(days: -1), endDate: today.adding(days: 1), reason: "Benchmark",
                periods: [DayPeriod(opens: LocalTime("00:00")!, closes: LocalTime("23:59")!, level: .selfService)]))
        }
        print("\(made) kiosk accounts added; branches open for self-service \(today.adding(days: -1).iso) to \(today.adding(days: 1).iso)")
    }
}

/// `bieb-bench sip2 PORT ITEMS CARDS [TERMINALS] [SECONDS] [RATE]`: TERMINALS
/// kiosks (default 50) log in once, then each lends a copy of its branch
/// (11) and takes it back (09), again and again, for SECONDS. With RATE
/// (transactions a second for all kiosks together) they keep a schedule and
/// the round trip counts from when a message was due (so a slow answer
/// also delays what follows, as at a real kiosk); without, they go as fast
/// as answers come. Prints transactions a second and the round trip
/// percentiles.
func benchmarkSIP2(port: Int, items itemsFile: String, cards cardsFile: String, terminals: Int, seconds: Int, rate: Double) {
    let items = ((try? String(contentsOfFile: itemsFile, encoding: .utf8)) ?? "").split(separator: "\n").map { line -> (String, String) in
        let parts = line.split(separator: " ")
        return (String(parts[0]), String(parts.count > 1 ? parts[1] : ""))
    }
    let cards = ((try? String(contentsOfFile: cardsFile, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    guard !items.isEmpty, !cards.isEmpty else {
        print("no items or cards (run circulation-setup first)")
        return
    }
    // Kiosks go to the branches with the most copies in the list, each with copies of its own branch only.
    let byBranch = Dictionary(grouping: items, by: \.1).sorted { $0.value.count > $1.value.count }
    var plans: [(login: String, items: [String], cards: [String])] = []
    let branchCount = min(byBranch.count, terminals)
    for k in 0..<terminals {
        let branch = byBranch[k % branchCount]
        // The kiosks at one branch share its copies out: the j-th of n takes every n-th copy.
        let n = terminals / branchCount + (k % branchCount < terminals % branchCount ? 1 : 0)
        let j = k / branchCount
        let share = branch.value.enumerated().filter { $0.offset % n == j }.map(\.element.0)
        plans.append((login: "bench-\(branch.key)", items: share, cards: Array(cards[(k * 200 % cards.count)...].prefix(200))))
    }
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let results = SIP2BenchResults()
    let start = SIP2BenchStart(kiosks: plans.count, seconds: Int64(seconds))
    let interval: TimeAmount? = rate > 0 ? .nanoseconds(Int64(Double(terminals) / rate * 1e9)) : nil
    var channels: [any Channel] = []
    for plan in plans {
        let kiosk = SIP2BenchKiosk(plan: plan, results: results, start: start, seconds: Int64(seconds), interval: interval)
        do {
            let channel = try ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(kiosk) } }
                .connect(host: "127.0.0.1", port: port).wait()
            channels.append(channel)
        } catch {
            print("cannot connect: \(error)")
            return
        }
    }
    for channel in channels { try? channel.closeFuture.wait() }
    let summary = results.summary(seconds: Double(seconds))
    print(summary)
    try? group.syncShutdownGracefully()
}

final class SIP2BenchResults: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Int64] = []
    private var refused = 0
    private var refusals: [String: Int] = [:]

    private let started = NIODeadline.now()
    /// (second of the run, round trip) of every answer, for `BENCH_TIMELINE=1`.
    private var timeline: [(Int, Int64)] = []

    /// The first transaction sent and the last answer: the span the rate is measured over.
    private var first: NIODeadline?
    private var last: NIODeadline?

    func sending(at time: NIODeadline) {
        lock.withLock { if first == nil || time < first! { first = time } }
    }

    func record(_ nanoseconds: Int64, ok: Bool, answer: String) {
        lock.withLock {
            last = NIODeadline.now()
            latencies.append(nanoseconds)
            timeline.append((Int((NIODeadline.now() - started).nanoseconds / 1_000_000_000), nanoseconds))
            if !ok {
                refused += 1
                if let range = answer.range(of: "|AF") {
                    let text = answer[range.upperBound...].prefix { $0 != "|" }
                    refusals[String(text), default: 0] += 1
                }
            }
        }
    }

    func summary(seconds configured: Double) -> String {
        lock.withLock {
            let sorted = latencies.sorted()
            let seconds = first.flatMap { first in last.map { Double(($0 - first).nanoseconds) / 1e9 } } ?? configured
            func p(_ q: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                return String(format: "%.2f", Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1e6)
            }
            var text = String(format: "%d transactions in %.1f s: %.0f/s; round trip ms p50 %@ p90 %@ p99 %@ p99.9 %@ max %@; refused %d",
                              sorted.count, seconds, Double(sorted.count) / seconds, p(0.5), p(0.9), p(0.99), p(0.999),
                              sorted.last.map { String(format: "%.2f", Double($0) / 1e6) } ?? "-", refused)
            for (reason, count) in refusals.sorted(by: { $0.value > $1.value }).prefix(3) { text += "\n  \(count)× \(reason)" }
            if ProcessInfo.processInfo.environment["BENCH_TIMELINE"] != nil {
                for (second, values) in Dictionary(grouping: timeline, by: \.0).sorted(by: { $0.key < $1.key }) {
                    let times = values.map(\.1).sorted()
                    text += String(format: "\n  second %2d: %5d answers, p99 %6.2f ms, max %6.2f ms", second, times.count,
                                   Double(times[min(times.count - 1, times.count * 99 / 100)]) / 1e6, Double(times.last!) / 1e6)
                }
            }
            return text
        }
    }
}

/// Starts every kiosk's loop once the last one has logged in, with one deadline for all.
final class SIP2BenchStart: @unchecked Sendable {
    private let lock = NSLock()
    private let kiosks: Int
    private let seconds: Int64
    private var waiting: [(SIP2BenchKiosk, ChannelHandlerContext)] = []

    init(kiosks: Int, seconds: Int64) {
        self.kiosks = kiosks
        self.seconds = seconds
    }

    /// Called on the kiosks' event loop (the benchmark has one).
    func loggedIn(_ kiosk: SIP2BenchKiosk, _ context: ChannelHandlerContext) {
        let ready = lock.withLock { () -> [(SIP2BenchKiosk, ChannelHandlerContext)]? in
            waiting.append((kiosk, context))
            return waiting.count == kiosks ? waiting : nil
        }
        guard let ready else { return }
        let deadline = NIODeadline.now() + .seconds(seconds)
        for (kiosk, context) in ready { kiosk.begin(context, deadline: deadline) }
    }
}

/// One kiosk: login, then checkout and checkin of its copies in turn.
final class SIP2BenchKiosk: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let plan: (login: String, items: [String], cards: [String])
    let results: SIP2BenchResults
    let start: SIP2BenchStart
    let seconds: Int64
    var deadline: NIODeadline
    let interval: TimeAmount?
    var pending: [UInt8] = []
    var step = -1
    var closing = false
    /// Where in its list of copies the kiosk starts (random: a copy left on loan by an earlier run is met only by chance).
    lazy var offset = Int.random(in: 0..<max(1, plan.items.count))
    var sentAt = NIODeadline.now()
    var due = NIODeadline.now()
    var sequence = 0
    let date = SIP2.date(Date(), in: BranchCalendar.amsterdam)

    init(plan: (login: String, items: [String], cards: [String]), results: SIP2BenchResults, start: SIP2BenchStart, seconds: Int64,
         interval: TimeAmount?) {
        self.plan = plan
        self.results = results
        self.start = start
        self.seconds = seconds
        self.deadline = .distantFuture
        self.interval = interval
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context, "9300CN\(plan.login)|CObench-password|")
    }

    func send(_ context: ChannelHandlerContext, _ message: String) {
        let body = message + "AY\(sequence)AZ"
        sequence = (sequence + 1) % 10
        sentAt = NIODeadline.now()
        if step >= 0 { results.sending(at: interval == nil ? sentAt : due) }
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(string: body + SIP2.checksum(Array(body.utf8)) + "\r")),
                              promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += Array(unwrapInboundIn(data).readableBytesView)
        while let end = pending.firstIndex(of: 13) {
            let answer = String(decoding: pending[..<end], as: UTF8.self)
            pending.removeFirst(end + 1)
            answered(context, answer)
        }
    }

    func answered(_ context: ChannelHandlerContext, _ answer: String) {
        let now = NIODeadline.now()
        if step < 0 {
            guard answer.hasPrefix("941") else {
                print("login refused for \(plan.login): \(answer)")
                context.close(promise: nil)
                return
            }
            // The loops start when every kiosk has logged in (the logins are not part of the measurement).
            start.loggedIn(self, context)
            return
        } else if closing {
            context.close(promise: nil)
            return
        } else {
            let start = interval == nil ? sentAt : due
            results.record((now - start).nanoseconds, ok: answer.dropFirst(2).first == "1", answer: answer)
            if let interval { due = due + interval }
        }
        next(context, now: now)
    }

    /// Starts the loop: at a random point of the kiosk's interval, so the kiosks do not all send at once.
    func begin(_ context: ChannelHandlerContext, deadline: NIODeadline) {
        let now = NIODeadline.now()
        self.deadline = deadline
        due = now + .nanoseconds(Int64.random(in: 0...max(1, interval?.nanoseconds ?? 1)))
        next(context, now: now)
    }

    func next(_ context: ChannelHandlerContext, now: NIODeadline) {
        guard now < deadline, !plan.items.isEmpty else {
            if step >= 0, step % 2 == 0, !closing {
                // The last copy lent goes back in (not counted), so the next run finds it on the shelf.
                closing = true
                send(context, "09N\(date)\(date)AOden-haag|AB\(plan.items[(offset + step / 2) % plan.items.count])|")
                return
            }
            context.close(promise: nil)
            return
        }
        step += 1
        let item = plan.items[(offset + step / 2) % plan.items.count]
        let message = step % 2 == 0
            ? "11NN\(date)\(date)AOden-haag|AA\(plan.cards[(step / 2) % plan.cards.count])|AB\(item)|"
            : "09N\(date)\(date)AOden-haag|AB\(item)|"
        if interval != nil, due > now {
            let loop = context.eventLoop
            let bound = NIOLoopBound(context, eventLoop: loop)
            loop.scheduleTask(deadline: due) { [self] in self.send(bound.value, message) }
        } else {
            send(context, message)
        }
    }
}
