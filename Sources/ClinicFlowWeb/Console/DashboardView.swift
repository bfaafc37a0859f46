import ClinicFlowDomain
import Foundation

/// The clinic at a glance: how fast leads are answered, where they are in the funnel and where they
/// came from, who carries how many, and how often the assistant hands over. Charts are inline SVG.
struct DashboardView {
    /// The figures cover the clinic's most recently updated leads, at most this many.
    static let window = 5000

    var stages: [PipelineStage]
    var leads: [Lead]
    var owners: [UUID: String]
    /// Conversations the assistant has answered, and how many of those it handed to a person.
    var assistantConversations: Int
    var handedOver: Int

    var html: HTML {
        let answered = leads.compactMap(\.speedToLeadSeconds).sorted()
        let withinFive = answered.filter { $0 <= 300 }.count
        let median = answered.isEmpty ? "–" : PipelineBoard.duration(answered[answered.count / 2])
        let slowest = answered.isEmpty ? "–" : PipelineBoard.duration(answered[min(answered.count - 1, Int(Double(answered.count) * 0.9))])
        let share = answered.isEmpty ? "–" : "\(withinFive * 100 / answered.count) %"
        let handoff = assistantConversations == 0 ? "–" : "\(handedOver * 100 / assistantConversations) %"
        // Conversion: the share of all leads that got at least this far (a won lead passed every open stage).
        let order = Dictionary(uniqueKeysWithValues: stages.enumerated().map { ($1.key, $0) })
        let funnel = stages.enumerated().map { index, stage -> (String, Int) in
            let here = leads.filter { $0.stage == stage.key }.count
            guard stage.outcome == .open, !leads.isEmpty else { return (stage.name, here) }
            let reached = leads.filter { $0.status == .won || (order[$0.stage] ?? 0) >= index && $0.status == .open }.count
            return ("\(stage.name) · \(reached * 100 / leads.count) % reached", here)
        }
        var sources: [String: (all: Int, won: Int)] = [:]
        for lead in leads {
            let key = lead.utm.campaign.map { "\(lead.source ?? "unknown") · \($0)" } ?? (lead.source ?? "unknown")
            sources[key, default: (0, 0)].all += 1
            if lead.status == .won { sources[key, default: (0, 0)].won += 1 }
        }
        let workload = Dictionary(grouping: leads.filter { $0.status == .open }, by: { $0.ownerID })
            .map { owner, leads in (owner.flatMap { owners[$0] } ?? "unassigned", leads.count) }
            .sorted { ($0.1, $1.0) > ($1.1, $0.0) }
        let sourceRows: [HTML] = sources.sorted { $0.value.all > $1.value.all }.map { source, counts in
            "<tr><td>\(source)</td><td>\(counts.all)</td><td>\(counts.won)</td><td>\(counts.all == 0 ? 0 : counts.won * 100 / counts.all) %</td></tr>"
        }
        return """
            <h1>Dashboard</h1>
            <p class="window" id="dashboard-window">\(leads.count < Self.window ? "All \(leads.count) leads of the clinic" : "The clinic's \(Self.window) most recently updated leads").</p>
            <div class="kpis">
            <div class="kpi"><span class="kpi-value" id="kpi-median">\(median)</span><span class="kpi-label">median time to first answer</span></div>
            <div class="kpi"><span class="kpi-value">\(slowest)</span><span class="kpi-label">90th percentile</span></div>
            <div class="kpi"><span class="kpi-value" id="kpi-five">\(share)</span><span class="kpi-label">answered within 5 minutes</span></div>
            <div class="kpi"><span class="kpi-value" id="kpi-handoff">\(handoff)</span><span class="kpi-label">assistant hand-off rate (\(handedOver) of \(assistantConversations))</span></div>
            </div>
            <section aria-labelledby="funnel"><h2 id="funnel">Funnel by stage</h2>\(BarChart(label: "Leads per stage", rows: funnel).svg)</section>
            <section aria-labelledby="workload"><h2 id="workload">Open leads per consultant</h2>\(BarChart(label: "Open leads per consultant", rows: workload).svg)</section>
            <section aria-labelledby="sources"><h2 id="sources">By source and campaign</h2>
            <table><thead><tr><th>Source</th><th>Leads</th><th>Won</th><th>Conversion</th></tr></thead><tbody>\(sourceRows)</tbody></table></section>
            """
    }
}

/// A horizontal bar chart as inline SVG, with the numbers as text so it reads without colour.
struct BarChart {
    var label: String
    var rows: [(String, Int)]

    var svg: HTML {
        let height = max(1, rows.count) * 28 + 8
        let top = max(1, rows.map(\.1).max() ?? 1)
        let bars: [HTML] = rows.enumerated().map { index, row in
            let y = index * 28 + 4
            let width = Int(Double(row.1) / Double(top) * 360)
            return """
                <text x="0" y="\(y + 17)" class="bar-label">\(row.0)</text>\
                <rect x="250" y="\(y + 4)" width="\(max(width, row.1 > 0 ? 2 : 0))" height="18" rx="3" class="bar"></rect>\
                <text x="\(256 + width)" y="\(y + 17)" class="bar-value">\(row.1)</text>
                """
        }
        return "<svg class=\"chart\" role=\"img\" aria-label=\"\(label)\" viewBox=\"0 0 660 \(height)\" width=\"100%\" preserveAspectRatio=\"xMinYMin meet\">\(bars)</svg>"
    }
}
