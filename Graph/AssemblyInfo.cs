// The graph IR, scheduler and memory planner live here (see DESIGN.md "Architecture").
[assembly: System.CLSCompliant(false)]
