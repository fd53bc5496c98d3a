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
    let deadline = NIODeadline.now() + .seconds(Int64(seconds))
    let interval: TimeAmount? = rate > 0 ? .nanoseconds(Int64(Double(terminals) / rate * 1e9)) : nil
    var channels: [any Channel] = []
    for plan in plans {
        let kiosk = SIP2BenchKiosk(plan: plan, results: results, deadline: deadline, interval: interval)
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

    func record(_ nanoseconds: Int64, ok: Bool, answer: String) {
        lock.withLock {
            latencies.append(nanoseconds)
            if !ok {
                refused += 1
                if let range = answer.range(of: "|AF") {
                    let text = answer[range.upperBound...].prefix { $0 != "|" }
                    refusals[String(text), default: 0] += 1
                }
            }
        }
    }

    func summary(seconds: Double) -> String {
        lock.withLock {
            let sorted = latencies.sorted()
            func p(_ q: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                return String(format: "%.2f", Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1e6)
            }
            var text = String(format: "%d transactions in %.0f s: %.0f/s; round trip ms p50 %@ p90 %@ p99 %@ p99.9 %@ max %@; refused %d",
                              sorted.count, seconds, Double(sorted.count) / seconds, p(0.5), p(0.9), p(0.99), p(0.999),
                              sorted.last.map { String(format: "%.2f", Double($0) / 1e6) } ?? "-", refused)
            for (reason, count) in refusals.sorted(by: { $0.value > $1.value }).prefix(3) { text += "\n  \(count)× \(reason)" }
            return text
        }
    }
}

/// One kiosk: login, then checkout and checkin of its copies in turn.
final class SIP2BenchKiosk: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let plan: (login: String, items: [String], cards: [String])
    let results: SIP2BenchResults
    let deadline: NIODeadline
    let interval: TimeAmount?
    var pending: [UInt8] = []
    var step = -1
    var sentAt = NIODeadline.now()
    var due = NIODeadline.now()
    var sequence = 0
    let date = SIP2.date(Date(), in: BranchCalendar.amsterdam)

    init(plan: (login: String, items: [String], cards: [String]), results: SIP2BenchResults, deadline: NIODeadline, interval: TimeAmount?) {
        self.plan = plan
        self.results = results
        self.deadline = deadline
        self.interval = interval
    }

    func channelActive(context: ChannelHandlerContext) {
        send(context, "9300CN\(plan.login)|CObench-password|")
    }

    func send(_ context: ChannelHandlerContext, _ message: String) {
        let body = message + "AY\(sequence)AZ"
        sequence = (sequence + 1) % 10
        sentAt = NIODeadline.now()
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
            due = now
        } else {
            let start = interval == nil ? sentAt : due
            results.record((now - start).nanoseconds, ok: answer.dropFirst(2).first == "1", answer: answer)
            if let interval { due = due + interval }
        }
        guard now < deadline, !plan.items.isEmpty else {
            context.close(promise: nil)
            return
        }
        step += 1
        let item = plan.items[(step / 2) % plan.items.count]
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
