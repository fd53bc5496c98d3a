import BiebCore
import OpenAPIKit

/// The numbers from outside the lending in the OpenAPI document: digital
/// use and summer reading (`viewInsights`), head counts of study places (`circulate`).
enum InsightSourcesOpenAPI {
    typealias D = OpenAPIDocument

    static let paths: D.Paths = [
        "/api/v1/insights/digital-use": .init(
            get: D.op("A year's use of digital resources per platform and metric, month by month; a count under 5 is only \"<5\"", tag: "insights",
                      params: [D.query("year", "The year (this year by default)", D.int)], response: D.ref("DigitalUseYear"), auth: true),
            post: digitalImport),
        "/api/v1/insights/study-counts": .init(post: D.op(
            "Record a head count of occupied study places at a branch now (desk staff at that branch); the occupancy indicator divides the occupied places by the places at each count",
            tag: "insights", body: D.object(["branch": D.string, "occupied": D.int], required: ["branch", "occupied"]), status: 201,
            response: D.ref("StudyCount"), auth: true)),
        "/api/v1/insights/summer-reading": .init(get: D.op(
            "Summer reading: the reading programmes' participants and finishers, and their loans per person per week in June against July–August next to all youth members, this year against the year before; counts under 5 are \"<5\", rates over fewer than 5 people are not shown",
            tag: "insights", params: [D.query("year", "The year (this year from September, else last year)", D.int)], response: D.ref("SummerReading"), auth: true)),
    ]

    /// A usage report as the body: COUNTER R5 (JSON, or tabular as CSV/TSV) or a plain CSV.
    static var digitalImport: OpenAPI.Operation {
        var operation = D.op(
            "Import a digital resource's monthly usage report (COUNTER Release 5 JSON or tabular, or a plain CSV with date, resource or platform, metric and count) as the body: summed per month, platform and metric; a month imported again replaces that platform's month and metric",
            tag: "insights", params: [D.query("provider", "The provider's name, for a report that names no platform")],
            response: D.ref("DigitalUseImport"), auth: true,
            extra: [422: D.response("Nothing imported: the problems, each with its line (or not a report at all: an error)", D.ref("DigitalUseImport"))])
        operation.requestBody = .request(OpenAPI.Request(content: [.json: .content(OpenAPI.Content(schema: D.anyObject)),
                                                                   .csv: .content(OpenAPI.Content(schema: D.string))], required: true))
        return operation
    }

    static let cell = D.object(["month": D.nullableString, "count": D.nullableInt, "shown": D.string], required: ["shown"])

    static let schemas: D.Schemas = [
        "DigitalUseImport": D.object([
            "form": D.string.with(description: "r5.0_json, r5.1_json, tabular or plain_csv"), "report": D.nullableString,
            "platforms": D.array(D.string), "months": D.array(D.string), "lines": D.int,
            "uses": D.int.with(description: "Of the counts, those that count as use: COUNTER Total_Item_Requests, or a plain report's uses"),
            "problems": D.array(D.object(["line": D.nullableInt, "code": D.string, "message": D.string], required: ["code", "message"])),
            "imported": D.bool,
        ], required: ["form", "platforms", "months", "lines", "uses", "problems", "imported"]),
        "DigitalUseYear": D.object([
            "year": D.int,
            "lines": D.array(D.object(["platform": D.string, "metric": D.string, "counts_as_use": D.bool, "months": D.array(cell), "total": cell],
                                      required: ["platform", "metric", "counts_as_use", "months", "total"])),
        ], required: ["year", "lines"]),
        "SummerReading": D.object([
            "year": D.int, "previous_year": D.int,
            "lines": D.array(D.object(["key": D.string, "label_nl": D.string, "label_en": D.string, "current": D.string, "previous": D.string,
                                       "current_value": D.nullable(D.number), "previous_value": D.nullable(D.number)],
                                      required: ["key", "label_nl", "label_en", "current", "previous"])),
        ], required: ["year", "previous_year", "lines"]),
        "StudyCount": D.object([
            "branch": D.string, "day": D.date, "hour": D.string.with(description: "The hour of the count, \"14:00\""), "occupied": D.int,
            "places": D.int, "occupancy": D.number,
        ], required: ["branch", "day", "hour", "occupied", "places", "occupancy"]),
    ]
}
