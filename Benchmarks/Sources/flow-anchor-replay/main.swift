// Replays a flow-anchor case (../shared/data/flow-anchor/flows_*.csv) in p2psim's flow model and
// prints the completion times in the reference's column order, then the simulation time on
// stderr. For whole-process measurements against SimGrid:
//   /usr/bin/time -v .build/release/flow-anchor-replay ../../shared/data/flow-anchor/flows_c.csv 1024 > /dev/null
// `random:COUNT` in place of the file replays `FlowAnchorPlatform.randomFlows(count:)` (issue 14:
// random:400000 on 16384 endpoints).
import FlowModel
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3, let endpoints = Int(arguments[2]), endpoints >= 4 else {
    FileHandle.standardError.write(Data("usage: flow-anchor-replay FLOWS.csv|random:COUNT ENDPOINTS\n".utf8))
    exit(2)
}
let flows: [FlowAnchorRecord]
if arguments[1].hasPrefix("random:"), let count = Int(arguments[1].dropFirst(7)), count > 0 {
    flows = FlowAnchorPlatform(endpointCount: endpoints).randomFlows(count: count)
} else if let text = try? String(contentsOfFile: arguments[1], encoding: .utf8),
    let parsed = FlowAnchorCSV.parseFlows(text)
{
    flows = parsed
} else {
    FileHandle.standardError.write(Data("\(arguments[1]): error: not a flow-anchor flows file\n".utf8))
    exit(2)
}
let start = ContinuousClock.now
var simulation = FlowAnchorPlatform(endpointCount: endpoints).makeSimulation(flows: flows)
simulation.run()
let elapsed = ContinuousClock.now - start
var output = "id,src,dst,bytes,start_time_s,finish_time_s\n"
for (index, flow) in flows.enumerated() {
    let finish = simulation.finishTimeSeconds(of: FlowID(index)) ?? .nan
    output += "\(index),gpu\(flow.source),gpu\(flow.destination),\(flow.bytes),\(flow.startTime),\(finish)\n"
}
print(output, terminator: "")
FileHandle.standardError.write(Data("\(flows.count) flows, \(simulation.eventCount) events, simulated in \(elapsed)\n".utf8))
