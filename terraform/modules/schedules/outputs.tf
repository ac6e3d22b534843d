output "group" {
  description = "Name of the schedule group."
  value       = aws_scheduler_schedule_group.this.name
}

output "hunt_schedules" {
  description = "Schedule of each hunt, by name (empty until the hunts function exists)."
  value       = { for k, s in aws_scheduler_schedule.hunt : k => s.schedule_expression }
}
