import Foundation
import BiebCore
import BiebStore

/// Words for a branch's opening status and hours, in the page language and
/// the organisation's time zone: "Nu open, bemand tot 17:00, selfservice tot 22:00".
struct BranchPresentation {
    let formats: Formats

    init(lang: Language, timeZone: TimeZone) {
        formats = Formats(lang: lang, timeZone: timeZone)
    }

    var lang: Language { formats.lang }

    func statusText(_ status: OpeningStatus, now: Date) -> String {
        let today = LocalDate(now, in: formats.timeZone)
        if status.isOpen {
            var parts = [Locales.text("status_open_now", lang)]
            for segment in status.openChain {
                let endDay = LocalDate(segment.end.addingTimeInterval(-1), in: formats.timeZone)
                let atMidnight = LocalClock.minuteOfDay(of: segment.end, in: formats.timeZone) == 0
                var time = formats.time(segment.end)
                if atMidnight { time = "24:00" }
                if endDay != today {
                    time = "\(formats.relativeDay(endDay, today: today)) \(time)"
                }
                parts.append(Locales.text("status_level_until", lang, ["level": formats.level(segment.level), "time": time]))
            }
            if status.nextOpening == nil, let end = status.closesAt, end.timeIntervalSince(now) > 7 * 86400 {
                return Locales.text("status_open_now", lang) + ", " + Locales.text("status_day_and_night", lang, ["level": formats.level(status.level)])
            }
            return parts.joined(separator: ", ")
        }
        guard let next = status.nextOpening else { return Locales.text("status_closed", lang) }
        let day = LocalDate(next.start, in: formats.timeZone)
        let opens = Locales.text("status_opens", lang, [
            "day": formats.relativeDay(day, today: today), "time": formats.time(next.start), "level": formats.level(next.level),
        ])
        return Locales.text("status_closed", lang) + ", " + opens
    }

    /// "10:00–17:00 bemand" per period; "gesloten" for a closed day.
    func periodsText(_ periods: [DayPeriod]) -> [String] {
        let open = periods.filter { $0.level != .closed }
        guard !open.isEmpty else { return [Locales.text("hours_closed", lang)] }
        return periods.sorted { ($0.level.rank, -$0.opens.minuteOfDay) > ($1.level.rank, -$1.opens.minuteOfDay) }.map { period in
            "\(period.opens.text)–\(period.closes == .endOfDay ? "24:00" : period.closes.text) \(formats.level(period.level))"
        }
    }

    struct DayRow: Encodable {
        let label: String
        let date: String
        let isToday: Bool
        let closed: Bool
        let periods: String
        let note: String?
    }

    /// The coming days (from today) as shown on a branch page.
    func days(_ calendar: BranchCalendar, from today: LocalDate, count: Int) -> [DayRow] {
        (0..<count).map { offset in
            let date = today.adding(days: offset)
            let hours = calendar.hours(on: date)
            return DayRow(label: formats.longDate(date), date: date.iso, isToday: offset == 0, closed: hours.isClosed,
                          periods: periodsText(hours.periods).joined(separator: ", "), note: hours.exception.map(reason))
        }
    }

    struct WeekRow: Encodable {
        let day: String
        let periods: String
    }

    /// A weekly schedule as a table, Monday to Sunday.
    func week(_ schedule: WeeklySchedule) -> [WeekRow] {
        Weekday.allCases.map { day in
            WeekRow(day: formats.weekdayName(day).capitalizedFirstLetter, periods: periodsText(schedule.periods(on: day)).joined(separator: ", "))
        }
    }

    struct ExceptionRow: Encodable {
        let dates: String
        let reason: String
        let hours: String
    }

    /// An exception as a line of a list; `withYear` for lists that span years (the hours editor keeps
    /// past and coming years' exceptions side by side).
    func exceptionRow(_ exception: CalendarException, withYear: Bool = false) -> ExceptionRow {
        let date = withYear ? formats.dateWithYear : formats.longDate
        let dates = exception.startDate == exception.endDate
            ? date(exception.startDate)
            : "\(date(exception.startDate)) – \(date(exception.endDate))"
        return ExceptionRow(dates: dates, reason: reason(exception), hours: periodsText(exception.periods).joined(separator: ", "))
    }

    /// An exception's reason in the page's language where Bieb wrote it (a public holiday); as staff wrote it otherwise.
    func reason(_ exception: CalendarException) -> String {
        guard lang == .en, exception.startDate == exception.endDate else { return exception.reason }
        return DutchHolidays.english(reason: exception.reason, on: exception.startDate) ?? exception.reason
    }

    /// Which days of an exception another, shorter one takes over (the calendar's rule), as a note
    /// for the hours editor; nil when it applies on all its days.
    func takenOverNote(_ days: [(date: LocalDate, by: CalendarException)]) -> String? {
        guard !days.isEmpty else { return nil }
        let lines = Dictionary(grouping: days, by: { reason($0.by) }).sorted { $0.value[0].date < $1.value[0].date }.map { reason, days in
            Locales.text("exc_taken_over", lang, ["dates": days.map { formats.dateWithYear($0.date) }.joined(separator: ", "), "reason": reason])
        }
        return lines.joined(separator: " ")
    }

    func kindName(_ kind: BranchKind) -> String {
        Locales.text("kind_\(kind.rawValue)", lang)
    }
}

extension String {
    var capitalizedFirstLetter: String { prefix(1).uppercased() + dropFirst() }
}

extension Collection {
    /// Nil when empty: Leaf treats empty strings and lists as true in `#if`.
    var nonEmpty: Self? { isEmpty ? nil : self }
}

/// schema.org `Library` JSON-LD for a branch page, with its regular opening
/// hours and the coming exceptions as special opening hours.
enum BranchJSONLD {
    static func make(branch: Branch, organisation: Organisation, schedule: WeeklySchedule?,
                     exceptions: [CalendarException], url: String) -> String {
        var object: [String: Any] = [
            "@context": "https://schema.org",
            "@type": "Library",
            "name": branch.name,
            "url": url,
            "parentOrganization": ["@type": "Organization", "name": organisation.name],
            "address": [
                "@type": "PostalAddress",
                "streetAddress": branch.street,
                "postalCode": branch.postcode,
                "addressLocality": branch.city,
                "addressCountry": "NL",
            ],
        ]
        if !branch.phone.isEmpty { object["telephone"] = branch.phone }
        if !branch.email.isEmpty { object["email"] = branch.email }
        if let lat = branch.latitude, let lon = branch.longitude {
            object["geo"] = ["@type": "GeoCoordinates", "latitude": lat, "longitude": lon]
        }
        if let schedule {
            object["openingHoursSpecification"] = schedule.periods.filter { $0.level != .closed }
                .sorted { ($0.weekday, $0.opens) < ($1.weekday, $1.opens) }
                .map { period -> [String: Any] in
                    [
                        "@type": "OpeningHoursSpecification",
                        "dayOfWeek": "https://schema.org/\(period.weekday.schemaOrgName)",
                        "opens": period.opens.text + ":00",
                        "closes": (period.closes == .endOfDay ? "23:59" : period.closes.text) + ":00",
                        "description": period.level == .staffed ? "staffed" : "self-service",
                    ]
                }
        }
        if !exceptions.isEmpty {
            object["specialOpeningHoursSpecification"] = exceptions.flatMap { exception -> [[String: Any]] in
                let base: [String: Any] = [
                    "@type": "OpeningHoursSpecification",
                    "validFrom": exception.startDate.iso,
                    "validThrough": exception.endDate.iso,
                    "description": exception.reason,
                ]
                let open = exception.periods.filter { $0.level != .closed }
                if open.isEmpty {
                    return [base.merging(["opens": "00:00:00", "closes": "00:00:00"]) { $1 }]
                }
                return open.map { period in
                    base.merging(["opens": period.opens.text + ":00",
                                  "closes": (period.closes == .endOfDay ? "23:59" : period.closes.text) + ":00"]) { $1 }
                }
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        // Safe inside <script>: no "</" sequence can close the element early.
        return String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
    }
}
