import Vapor
import BiebCore

/// A bad line of an imported file (a people counter's export, a usage report, area statistics) as the API and the pages show it.
struct ImportProblemDTO: Content {
    let line: Int?
    let code: String
    let message: String

    init(_ problem: ImportProblem, english: Bool) {
        (line, code, message) = (problem.line, problem.code, problem.message(dutch: !english))
    }
}
