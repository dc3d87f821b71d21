"""Operators' writes, each recorded with who and when: actions on alarms (alarms.act_as) and
updates of committee tasks (tasks.update_task_as). The role check is made here, once, for every
route and callback that writes."""
