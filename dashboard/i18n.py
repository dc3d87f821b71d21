"""Every label the UI shows, in Chinese (default) and English."""

from __future__ import annotations

from typing import Any

from data_loaders.vocab import (
    AI_SCENES,
    DANGER_SOURCES,
    DANGER_STATUSES,
    ENFORCEMENT_KINDS,
    INCIDENT_KINDS,
    RISK_TAGS,
    SENSOR_KINDS,
    SEVERITIES,
    TASK_STATUSES,
)

# what the campaign's enforcement counted, as its cards' titles
ENFORCEMENT_EN = {
    "case": "Cases filed",
    "admin_detention": "Administrative detentions",
    "criminal_detention": "Criminal detentions",
    "closure": "Closures",
}

INCIDENT_EN = {
    "toxic_release": "Toxic release",
    "fire": "Fire",
    "explosion": "Explosion",
    "hazchem_spill": "Hazchem spill",
    "other": "Other",
}
WALL_LABELS: dict[str, dict[str, str]] = {
    "wall.title": {"zh": "指挥大屏", "en": "Command wall"},
    "wall.step.county": {"zh": "全市概况", "en": "The county"},
    "wall.step.town": {"zh": "镇街概况", "en": "Town"},
    "wall.step.dangers": {"zh": "隐患整改", "en": "Hidden-danger rectification"},
    "wall.step.campaigns": {"zh": "专项行动", "en": "Special campaigns"},
    "wall.step.committee": {"zh": "安委会任务", "en": "Safety committee tasks"},
    "wall.step.ranking": {"zh": "镇街排名", "en": "Town ranking"},
    "wall.step.incident": {"zh": "当前事件", "en": "Incident"},
    "wall.newest": {"zh": "最新报警", "en": "Newest alarms"},
    "wall.none": {"zh": "暂无报警", "en": "No alarms"},
    "wall.stale": {
        "zh": "数据中断：自 {at} 起未收到监测数据",
        "en": "Data stopped: none since {at}",
    },
    "wall.stale_never": {"zh": "数据中断：未收到监测数据", "en": "Data stopped: none received"},
    "wall.offline": {
        "zh": "与服务器的连接中断 · 最后更新 {at}",
        "en": "Server unreachable · last update {at}",
    },
    "wall.more": {"zh": "另有 {n} 条待确认", "en": "{n} more waiting"},
    "wall.sensor": {"zh": "监测点", "en": "Sensor"},
    "wall.value": {"zh": "监测值", "en": "Value"},
    "wall.latest": {"zh": "当前 {v}", "en": "now {v}"},
    "wall.threshold": {"zh": "报警阈值", "en": "Threshold"},
    "wall.time": {"zh": "报警时间", "en": "Time"},
    "wall.state": {"zh": "状态", "en": "State"},
    "wall.rate": {"zh": "整改率", "en": "Rectified"},
    "wall.month": {
        "zh": "本月 发现 {found} · 整改 {rectified}",
        "en": "This month: {found} found · {rectified} rectified",
    },
    "wall.overdue_n": {"zh": "逾期 {n}", "en": "{n} overdue"},
    "wall.behind": {"zh": "滞后", "en": "behind"},
    "wall.elapsed": {"zh": "时间进度 {p}", "en": "time {p}"},
    "wall.progress": {"zh": "完成 {p}", "en": "done {p}"},
    "wall.score": {"zh": "得分", "en": "Score"},
    "wall.ranking_month": {"zh": "{month} 月度排名", "en": "Ranking for {month}"},
    "wall.holdings": {
        "zh": "企业 {e} · 重大危险源 {h} · 敏感目标 {t} · 人数 {p}",
        "en": "{e} enterprises · {h} hazards · {t} targets · {p} people",
    },
}
INCIDENT_LABELS: dict[str, dict[str, str]] = {
    "incident.title": {"zh": "突发事件", "en": "Incident"},
    "incident.drill": {"zh": "演练", "en": "DRILL"},
    "incident.drill_glyph": {"zh": "演", "en": "D"},
    "incident.watermark": {"zh": "演练 DRILL", "en": "DRILL 演练"},
    "incident.active": {"zh": "当前事件", "en": "Active incidents"},
    "incident.open": {"zh": "处置中", "en": "open"},
    "incident.closed": {"zh": "已关闭", "en": "closed"},
    "incident.opened": {"zh": "发起", "en": "Opened"},
    "incident.at": {"zh": "地点", "en": "Where"},
    "incident.zones": {"zh": "影响范围", "en": "Affected zones"},
    "incident.zone": {"zh": "范围", "en": "Zone"},
    "incident.ring": {"zh": "{r} 米内", "en": "within {r} m"},
    "incident.enterprises": {"zh": "企业", "en": "Enterprises"},
    "incident.red": {"zh": "其中红色", "en": "of them red"},
    "incident.hazards": {"zh": "重大危险源", "en": "Major hazards"},
    "incident.targets": {"zh": "敏感目标", "en": "Sensitive targets"},
    "incident.people": {"zh": "人数", "en": "People"},
    "incident.plume": {"zh": "扩散估算", "en": "Plume screening"},
    "incident.wind": {"zh": "风", "en": "Wind"},
    "incident.wind_station": {
        "zh": "{station} 实测，{age} 分钟前",
        "en": "measured at {station}, {age} min ago",
    },
    "incident.wind_request": {"zh": "发起时给定", "en": "as given"},
    "incident.no_wind": {"zh": "无风向风速：不能估算扩散", "en": "No wind: no plume"},
    "incident.resources": {"zh": "最近的应急资源", "en": "Nearest emergency resources"},
    "incident.contacts": {"zh": "网格员", "en": "Grid workers"},
    "incident.tasks": {"zh": "调派任务", "en": "Dispatched"},
    "incident.timeline": {"zh": "时间线", "en": "Timeline"},
    "incident.response": {"zh": "响应时效", "en": "Response times"},
    "incident.dispatch": {"zh": "调派", "en": "Send"},
    "incident.step.arrived": {"zh": "已到达", "en": "Arrived"},
    "incident.step.done": {"zh": "已完成", "en": "Done"},
    "incident.task.sent": {"zh": "已调派", "en": "sent"},
    "incident.task.arrived": {"zh": "已到达", "en": "arrived"},
    "incident.task.done": {"zh": "已完成", "en": "done"},
    "incident.note": {"zh": "记录", "en": "Note"},
    "incident.note_add": {"zh": "添加记录", "en": "Add note"},
    "incident.summary": {"zh": "处置小结", "en": "Summary"},
    "incident.close": {"zh": "结束事件", "en": "Close the incident"},
    "incident.report": {"zh": "处置报告 PDF", "en": "Report (PDF)"},
    "incident.lists": {"zh": "疏散与通知名单 Excel", "en": "Evacuation and call lists (Excel)"},
    "incident.start": {"zh": "发起事件", "en": "Open an incident"},
    "incident.start_drill": {"zh": "发起演练", "en": "Start a drill"},
    "incident.kind": {"zh": "事件类型", "en": "Kind"},
    "incident.substance": {"zh": "泄漏物质", "en": "Substance"},
    "incident.rate": {"zh": "泄漏速率 (kg/s)", "en": "Release rate (kg/s)"},
    "incident.is_drill": {"zh": "演练", "en": "Drill"},
    "incident.done": {"zh": "已保存", "en": "Saved"},
    "incident.not_found": {"zh": "没有这个事件", "en": "No such incident"},
    "incident.forbidden": {"zh": "需要值班员权限", "en": "Operators only"},
    "incident.straight": {"zh": "直线距离", "en": "straight-line"},
    "incident.after": {"zh": "+{m} 分 {s} 秒", "en": "+{m} min {s} s"},
    "incident.step_names": {
        "zh": "首次报警;确认;发起;调派;到达;关闭",
        "en": "first alarm;acknowledged;opened;dispatched;arrived;closed",
    },
    "incident.action.opened": {"zh": "发起", "en": "opened"},
    "incident.action.closed": {"zh": "关闭", "en": "closed"},
    "incident.action.note": {"zh": "记录", "en": "note"},
    "incident.action.injected": {"zh": "注入读数", "en": "readings injected"},
    "incident.action.task_sent": {"zh": "调派", "en": "sent"},
    "incident.action.task_arrived": {"zh": "到达", "en": "arrived"},
    "incident.action.task_done": {"zh": "完成", "en": "done"},
    "zone.aegl_1": {"zh": "AEGL-1 范围", "en": "AEGL-1 zone"},
    "zone.aegl_2": {"zh": "AEGL-2 范围", "en": "AEGL-2 zone"},
    "zone.aegl_3": {"zh": "AEGL-3 范围", "en": "AEGL-3 zone"},
}

REVIEW_LABELS: dict[str, dict[str, str]] = {
    "review.title": {"zh": "安委会重点任务督查", "en": "Safety committee task review"},
    "review.link": {"zh": "督查页面", "en": "Review page"},
    "review.back": {"zh": "返回一张图", "en": "Back to the map"},
    "review.committee": {"zh": "专委会", "en": "Committee"},
    "review.all": {"zh": "全部专委会", "en": "All committees"},
    "review.since": {"zh": "对比起始日", "en": "Changes since"},
    "review.since_hint": {
        "zh": "留空：各专委会上次督查会议日",
        "en": "Empty: each committee's last review meeting",
    },
    "review.as_of": {"zh": "截至 {day}", "en": "As of {day}"},
    "review.since.given": {"zh": "自 {day} 以来", "en": "Since {day}"},
    "review.since.meeting": {
        "zh": "自上次督查会议（{day}）以来",
        "en": "Since the last review meeting ({day})",
    },
    "review.since.quarter": {
        "zh": "自本季度初（{day}，尚无督查会议）以来",
        "en": "Since the quarter began ({day}; no review meeting yet)",
    },
    "review.bad_since": {"zh": "起始日有误：{error}", "en": "Bad day: {error}"},
    "review.no_committee": {"zh": "找不到专委会 {code}", "en": "No committee {code}"},
    "review.lead": {"zh": "牵头单位", "en": "Lead unit"},
    "review.rate": {"zh": "完成率", "en": "Done"},
    "review.done_of": {"zh": "已完成 / 任务数", "en": "Done / tasks"},
    "review.overdue_n": {"zh": "逾期", "en": "Overdue"},
    "review.changes": {"zh": "督查以来变化", "en": "What changed"},
    "review.change.done": {"zh": "新完成", "en": "Done"},
    "review.change.moved": {"zh": "进度推进", "en": "Progress moved"},
    "review.change.newly_overdue": {"zh": "新增逾期", "en": "Newly overdue"},
    "review.change.not_moved": {"zh": "未推进", "en": "Not moved at all"},
    "review.change.new": {"zh": "新增任务", "en": "New tasks"},
    "review.overdue": {"zh": "逾期任务", "en": "Overdue tasks"},
    "review.tasks": {"zh": "全部任务", "en": "All tasks"},
    "review.days_late": {"zh": "逾期天数", "en": "Days late"},
    "review.days": {"zh": "{n} 天", "en": "{n} days"},
    "review.due_passed": {"zh": "完成时限 {day}", "en": "due {day}"},
    "review.progress_at": {"zh": "进度 {p}%", "en": "{p}% done"},
    "review.col.seq": {"zh": "序号", "en": "No."},
    "review.col.task": {"zh": "任务", "en": "Task"},
    "review.col.owner": {"zh": "责任单位", "en": "Owner unit"},
    "review.col.due": {"zh": "完成时限", "en": "Deadline"},
    "review.col.status": {"zh": "状态", "en": "Status"},
    "review.col.progress": {"zh": "进度", "en": "Progress"},
    "review.col.note": {"zh": "进展情况", "en": "Progress report"},
    "review.col.evidence": {"zh": "佐证材料", "en": "Evidence"},
    "review.evidence_link": {"zh": "查看", "en": "Open"},
    "review.export": {"zh": "导出 Excel（发责任单位填报）", "en": "Excel for the owner units"},
    "review.record_docx": {"zh": "督查情况（Word）", "en": "Review record (Word)"},
    "review.upload": {
        "zh": "上传责任单位填报的 Excel",
        "en": "Upload a returned progress workbook",
    },
    "review.upload_hint": {
        "zh": "只更新进度、状态、进展情况、佐证材料；有任何错误则整个文件不导入",
        "en": "Only progress, status, report and evidence change; any error refuses the whole file",
    },
    "review.upload_ok": {
        "zh": "已导入 {name}：更新 {changed} 项任务，{unchanged} 项无变化",
        "en": "Imported {name}: {changed} tasks updated, {unchanged} unchanged",
    },
    "review.upload_refused": {
        "zh": "{name} 未导入（未作任何修改）：",
        "en": "{name} was not imported (nothing changed):",
    },
    "review.upload_forbidden": {
        "zh": "上传需要操作员权限",
        "en": "Uploading needs the operator role",
    },
    "review.meetings": {"zh": "督查会议记录", "en": "Review meetings"},
    "review.no_meetings": {"zh": "尚无督查会议记录", "en": "No review meeting recorded yet"},
    "review.meeting.attendees": {"zh": "参会人员", "en": "Attendees"},
    "review.meeting.summary": {"zh": "会议概况", "en": "Summary"},
    "review.meeting.decisions": {"zh": "会议决定", "en": "Decisions"},
    "review.meeting.notes": {"zh": "讨论的任务", "en": "Tasks discussed"},
    "review.meeting.recorded": {
        "zh": "{who} 记录于 {at}",
        "en": "Recorded by {who} at {at}",
    },
    "review.meeting.task": {
        "zh": "→ 新任务 {code}（{owner}，{due} 前完成）",
        "en": "→ new task {code} ({owner}, due {due})",
    },
    "review.meeting.docx": {"zh": "会议纪要（Word）", "en": "Minutes (Word)"},
    "review.form": {"zh": "记录督查会议", "en": "Record a review meeting"},
    "review.form.readonly": {
        "zh": "记录会议需要操作员权限",
        "en": "Recording a meeting needs the operator role",
    },
    "review.form.date": {"zh": "会议日期", "en": "Held on"},
    "review.form.committees": {"zh": "督查的专委会", "en": "Committees reviewed"},
    "review.form.title": {"zh": "会议名称", "en": "Title"},
    "review.form.title_hint": {"zh": "留空：YYYY年安委会督查会议", "en": "Empty: a default title"},
    "review.form.attendees": {"zh": "参会人员", "en": "Attendees"},
    "review.form.summary": {"zh": "会议概况（可选）", "en": "Summary (optional)"},
    "review.form.decisions": {"zh": "会议决定", "en": "Decisions"},
    "review.form.decision": {"zh": "决定内容", "en": "Decision"},
    "review.form.makes_task": {"zh": "形成新任务", "en": "Becomes a task"},
    "review.form.owner": {"zh": "责任单位", "en": "Owner unit"},
    "review.form.due": {"zh": "完成时限", "en": "Deadline"},
    "review.form.add_decision": {"zh": "＋ 添加决定", "en": "+ Add a decision"},
    "review.form.notes": {
        "zh": "讨论的任务（记入任务记录）",
        "en": "Tasks discussed (noted on each)",
    },
    "review.form.note_task": {"zh": "任务", "en": "Task"},
    "review.form.note": {"zh": "讨论意见", "en": "Note"},
    "review.form.add_note": {"zh": "＋ 添加任务意见", "en": "+ Add a task note"},
    "review.form.save": {"zh": "保存会议记录", "en": "Save the meeting record"},
    "review.form.saved": {
        "zh": "已保存会议记录（第 {id} 号）",
        "en": "Meeting record {id} saved",
    },
    "review.form.error": {"zh": "未保存：{where} {zh}", "en": "Not saved: {where} {en}"},
    "review.form.forbidden": {
        "zh": "未保存：记录会议需要操作员权限",
        "en": "Not saved: recording a meeting needs the operator role",
    },
}

CATALOG: dict[str, dict[str, str]] = {
    "app.title_suffix": {"zh": "应急管理一张图", "en": " Emergency Management One-Map"},
    "app.subtitle": {"zh": "安全生产监管指挥", "en": "Work-safety supervision and command"},
    "app.empty": {
        "zh": "数据库为空：运行 onemap demo 或导入数据。",
        "en": "The store is empty: run onemap demo or import data.",
    },
    "app.lang_switch": {"zh": "English", "en": "中文"},
    "login.title": {"zh": "应急一张图 · 登录", "en": "Emergency One-Map · Sign in"},
    "login.name": {"zh": "用户名", "en": "User name"},
    "login.password": {"zh": "密码", "en": "Password"},
    "login.submit": {"zh": "登录", "en": "Sign in"},
    "login.wrong": {"zh": "用户名或密码错误。", "en": "Wrong user name or password."},
    "login.too_many": {
        "zh": "密码错误次数过多，请 {n} 分钟后再试。",
        "en": "Too many wrong passwords; try again in {n} min.",
    },
    "login.logout": {"zh": "退出", "en": "Sign out"},
    "login.logout_confirm": {"zh": "确认退出登录？", "en": "Sign out now?"},
    "login.back": {"zh": "返回一张图", "en": "Back to the one-map"},
    "login.expired": {
        "zh": "登录页已过期，请重新输入。",
        "en": "The sign-in page has expired; please enter your details again.",
    },
    "login.signin": {"zh": "登录", "en": "Sign in"},
    "panel.tab.summary": {"zh": "概况", "en": "Overview"},
    "panel.loading": {"zh": "加载中…", "en": "Loading…"},
    "panel.tab.dangers": {"zh": "隐患整改", "en": "Dangers"},
    "panel.tab.campaigns": {"zh": "专项整治", "en": "Campaigns"},
    "panel.tab.committee": {"zh": "安委会", "en": "Committee"},
    "panel.tab.rankings": {"zh": "通报排名", "en": "Ranking"},
    "panel.scope_of": {"zh": "{name} · 含下辖全部网格", "en": "{name} · with every grid inside"},
    "theme.light": {"zh": "浅色", "en": "Light"},
    "theme.dark": {"zh": "深色", "en": "Dark"},
    "table.filter": {"zh": "筛选…", "en": "Filter…"},
    "table.rows": {"zh": "共 {n} 条", "en": "{n} rows"},
    "table.rows_cut": {
        "zh": "显示前 {n} 条，共 {total} 条",
        "en": "showing the first {n} of {total}",
    },
    "table.export": {"zh": "导出全部", "en": "Export all"},
    "table.export_hint": {
        "zh": "下载全部 {total} 条（{fmt}）",
        "en": "Download all {total} rows ({fmt})",
    },
    "dangers.this_month": {"zh": "本月至今（{span}）", "en": "Month to date ({span})"},
    "dangers.last_month_figures": {
        "zh": "（上月同期 {span}：{found} / {rectified}）",
        "en": "(same days of last month, {span}: {found} / {rectified})",
    },
    "dangers.span": {"zh": "{m}月{a}–{b}日", "en": "{a}–{b} {mon}"},
    "dangers.span_one": {"zh": "{m}月{a}日", "en": "{a} {mon}"},
    "dangers.industries_cut": {
        "zh": "显示排查数前 {n} 个行业，共 {total} 个",
        "en": "the top {n} of {total} industries by found",
    },
    "dossier.recent": {"zh": "最近 {n} 条", "en": "latest {n}"},
    "rank.month_label": {"zh": "{y}年{m}月", "en": "{name} {y}"},
    "dangers.rate_by_child": {"zh": "整改率 · 按下级网格", "en": "Rectification rate by sub-grid"},
    "dangers.average": {"zh": "平均 {v}", "en": "average {v}"},
    "dangers.trend": {"zh": "近12个月 排查与整改", "en": "Found and rectified, 12 months"},
    "dangers.by_source": {"zh": "按来源", "en": "By source"},
    "dangers.by_industry": {"zh": "按行业", "en": "By industry"},
    "dangers.overdue_list": {
        "zh": "逾期隐患（期限最早在前）",
        "en": "Overdue (oldest deadline first)",
    },
    "dangers.listed": {"zh": "挂牌督办重大隐患", "en": "Listed major hidden dangers"},
    "dangers.open_dossier": {"zh": "点击一行打开企业档案", "en": "Click a row to open the dossier"},
    "col.enterprise": {"zh": "企业", "en": "Enterprise"},
    "col.grid": {"zh": "网格", "en": "Grid"},
    "col.what": {"zh": "隐患内容", "en": "Hidden danger"},
    "col.deadline": {"zh": "整改期限", "en": "Deadline"},
    "col.days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "col.level": {"zh": "级别", "en": "Level"},
    "col.status": {"zh": "状态", "en": "Status"},
    "col.committee": {"zh": "专委会", "en": "Committee"},
    "col.task": {"zh": "任务", "en": "Task"},
    "col.owner": {"zh": "责任单位", "en": "Owner unit"},
    "col.due": {"zh": "期限", "en": "Due"},
    "col.due_status": {"zh": "期限 / 状态", "en": "Due / status"},
    "col.deadline_status": {"zh": "整改期限 / 状态", "en": "Deadline / status"},
    "col.progress": {"zh": "进度", "en": "Progress"},
    "col.progress_short": {"zh": "进度", "en": "%"},
    "col.done_total": {"zh": "完成/总数", "en": "Done/total"},
    "col.rate": {"zh": "完成率", "en": "Rate"},
    "col.rank": {"zh": "排名", "en": "Rank"},
    "col.rank_change": {"zh": "排名（较上月升降）", "en": "Rank (change since last month)"},
    "col.town": {"zh": "镇街", "en": "Town"},
    "col.score": {"zh": "得分", "en": "Score"},
    "col.code": {"zh": "编号", "en": "Code"},
    "col.credit_code": {"zh": "统一社会信用代码", "en": "Credit code"},
    "col.category": {"zh": "类别", "en": "Category"},
    "col.severity": {"zh": "隐患等级", "en": "Severity"},
    "col.industry": {"zh": "行业", "en": "Industry"},
    "col.found_on": {"zh": "发现日期", "en": "Found on"},
    "campaign.progress": {
        "zh": "任务完成率（条）与时间进度（竖线）",
        "en": "Tasks done (bar) against time elapsed (tick)",
    },
    "campaign.behind": {"zh": "滞后", "en": "behind"},
    "campaign.on_track": {"zh": "正常", "en": "on track"},
    "campaign.elapsed": {"zh": "时间进度 {v}", "en": "time {v}"},
    "campaign.pick": {"zh": "选择专项查看详情", "en": "Pick a campaign for its detail"},
    "campaign.by_child": {"zh": "按下级网格", "en": "By sub-grid"},
    "campaign.by_unit": {"zh": "按责任单位", "en": "By owner unit"},
    "campaign.overdue_tasks": {"zh": "逾期任务", "en": "Overdue tasks"},
    "campaign.dangers": {"zh": "专项排查隐患", "en": "Hidden dangers of the campaign"},
    "campaign.enforcement": {"zh": "执法成果", "en": "Enforcement"},
    "campaign.county_wide": {
        "zh": "另有 {n} 项全市性任务不属于任何镇街",
        "en": "{n} county-wide tasks belong to no town",
    },
    "committee.by_status": {"zh": "各专委会任务状态", "en": "Tasks by committee and status"},
    "committee.rate": {"zh": "任务完成率", "en": "Tasks done"},
    "committee.overdue": {"zh": "逾期任务", "en": "Overdue tasks"},
    "committee.tasks": {"zh": "任务清单", "en": "Task list"},
    "task.overdue": {"zh": "逾期", "en": "overdue"},
    "task.edit": {"zh": "更新任务", "en": "Update the task"},
    "task.pick": {
        "zh": "在任务清单中点选一项任务以更新进展",
        "en": "Click a task in the list to update it",
    },
    "task.note": {"zh": "进展说明", "en": "Progress note"},
    "task.evidence": {"zh": "佐证材料链接", "en": "Evidence link"},
    "task.save": {"zh": "保存", "en": "Save"},
    "task.saved": {"zh": "已保存 {code}", "en": "Saved {code}"},
    "task.history": {"zh": "更新记录", "en": "Change history"},
    "task.readonly": {
        "zh": "更新任务需要值班员（operator）权限，请登录",
        "en": "Updating tasks needs the operator role; sign in",
    },
    "rank.title": {"zh": "镇街月度通报排名", "en": "Monthly ranking of towns"},
    "rank.as_of": {
        "zh": "数据截至 {d} · 与 {p} 比较",
        "en": "Figures as of {d} · compared with {p}",
    },
    "rank.method": {
        "zh": "得分为各项得分（0–100）的加权平均，无数据的项不计入；权重：",
        "en": "Score: the weighted mean of the parts (0–100) a town has data for; weights: ",
    },
    "rank.scores": {"zh": "各镇街得分", "en": "Scores by town"},
    "rank.new": {"zh": "新", "en": "new"},
    "rank.method_alarms": {
        "zh": "。报警响应时长须当月报警不少于{n}起才计分，不足的镇街此项权重由其余各项分摊",
        "en": ". Alarm response counts only with at least {n} alarms in the month; below that, "
        "its weight goes to the other parts",
    },
    "rank.not_counted": {"zh": "不计", "en": "excl."},
    "rank.too_few_alarms": {
        "zh": "报警不足{n}起，不计此项",
        "en": "fewer than {n} alarms: not counted",
    },
    "rank.too_few_towns": {
        "zh": "报警不足{n}起，不计报警响应（其权重由其余各项分摊）：{towns}",
        "en": "Fewer than {n} alarms, alarm response not counted (its weight goes to the other "
        "parts): {towns}",
    },
    "rank.alarms_of_town": {"zh": "{name}（{k}起）", "en": "{name} ({k})"},
    "rank.no_alarm_towns": {"zh": "本月无报警：{towns}", "en": "no alarms this month: {towns}"},
    "rank.no_alarm_towns_only": {
        "zh": "本月无报警，不计报警响应（其权重由其余各项分摊）：{towns}",
        "en": "No alarms this month, alarm response not counted (its weight goes to the other "
        "parts): {towns}",
    },
    "rank.sentence_sep": {"zh": "；", "en": "; "},
    "rank.too_few_all": {
        "zh": "本月各镇街报警均不足{n}起，均不计报警响应（其权重由其余各项分摊）",
        "en": "No town had {n} alarms or more this month: alarm response counts for none (its "
        "weight goes to the other parts)",
    },
    "kpi.grids": {"zh": "网格", "en": "Grids"},
    "kpi.grid_levels": {
        "zh": "县 / 镇街 / 社区 / 村居",
        "en": "county / town / community / village",
    },
    "kpi.enterprises": {"zh": "企业", "en": "Enterprises"},
    "kpi.hidden_dangers": {"zh": "隐患整改", "en": "Hidden dangers"},
    # the panels' large figures' titles (the kpi.* words run inside a line: "found 35,550")
    "big.found": {"zh": "排查", "en": "Found"},
    "big.rectified": {"zh": "整改", "en": "Rectified"},
    "big.rate": {"zh": "整改率", "en": "Rate"},
    "big.overdue": {"zh": "逾期", "en": "Overdue"},
    "big.major": {"zh": "重大", "en": "Major"},
    "big.meetings": {"zh": "会议", "en": "Meetings"},
    "big.inspections": {"zh": "督查", "en": "Inspections"},
    "big.joint_enforcement": {"zh": "联合执法", "en": "Joint enforcement"},
    "kpi.found": {"zh": "排查", "en": "found"},
    "kpi.rectified": {"zh": "整改", "en": "rectified"},
    "kpi.rate": {"zh": "整改率", "en": "rate"},
    "kpi.overdue": {"zh": "逾期", "en": "overdue"},
    "kpi.major": {"zh": "重大", "en": "major"},
    "kpi.major_hazards": {"zh": "重大危险源", "en": "Major hazards"},
    "kpi.level_n": {"zh": "{n}级", "en": "L{n}"},
    "kpi.listed": {"zh": "挂牌督办", "en": "Listed dangers"},
    "kpi.campaigns": {"zh": "专项整治", "en": "Campaigns"},
    "kpi.committees": {"zh": "安委会专委会", "en": "Specialist committees"},
    "kpi.meetings": {"zh": "会议", "en": "meetings"},
    "kpi.inspections": {"zh": "督查", "en": "inspections"},
    "kpi.joint_enforcement": {"zh": "联合执法", "en": "joint enforcement"},
    "kpi.alarms": {"zh": "在办报警", "en": "Open alarms"},
    "kpi.monitoring": {"zh": "智能监测", "en": "Smart monitoring"},
    "kpi.signals": {"zh": "监测信号", "en": "signals"},
    "kpi.devices": {"zh": "设备", "en": "devices"},
    "kpi.video_scenes": {"zh": "AI 视频场景", "en": "AI video scenes"},
    "class.green": {"zh": "绿", "en": "green"},
    "class.blue": {"zh": "蓝", "en": "blue"},
    "class.yellow": {"zh": "黄", "en": "yellow"},
    "class.red": {"zh": "红", "en": "red"},
    "listing.province": {"zh": "省级", "en": "province"},
    "listing.city": {"zh": "市级", "en": "city"},
    "listing.county": {"zh": "县级", "en": "county"},
    "listing.rolling": {"zh": "滚动", "en": "rolling"},
    "alarm.level_1": {"zh": "预警", "en": "warning"},
    "alarm.level_2": {"zh": "报警", "en": "alarm"},
    "map.search": {"zh": "搜索企业名称或信用代码", "en": "Name or credit code"},
    "map.no_hits": {"zh": "没有找到匹配的企业", "en": "No matching enterprise"},
    "map.layers": {"zh": "图层", "en": "Layers"},
    "layer.grids": {"zh": "网格", "en": "Grids"},
    "layer.enterprises": {"zh": "企业（四色）", "en": "Enterprises (4 classes)"},
    "layer.major_hazards": {"zh": "重大危险源", "en": "Major hazards"},
    "layer.listed_dangers": {"zh": "挂牌督办隐患", "en": "Listed hidden dangers"},
    "layer.alarms": {"zh": "实时报警", "en": "Live alarms"},
    "layer.resources": {"zh": "应急资源", "en": "Emergency resources"},
    "layer.targets": {"zh": "敏感目标", "en": "Sensitive targets"},
    "map.metric": {"zh": "网格着色", "en": "Colour grids by"},
    "metric.none": {"zh": "仅边界", "en": "Outline only"},
    "metric.open_dangers": {"zh": "未整改隐患", "en": "Open hidden dangers"},
    "metric.rate": {"zh": "隐患整改率", "en": "Rectification rate"},
    "metric.red_yellow": {"zh": "红黄企业数", "en": "Red + yellow enterprises"},
    "metric.open_alarms": {"zh": "在办报警", "en": "Open alarms"},
    "map.filters": {"zh": "企业筛选", "en": "Enterprise filters"},
    "filter.class": {"zh": "四色等级", "en": "Safety class"},
    "filter.industry": {"zh": "行业", "en": "Industry"},
    "filter.tag": {"zh": "风险标签", "en": "Risk tags"},
    "filter.any": {"zh": "全部", "en": "All"},
    "map.legend": {"zh": "图例", "en": "Legend"},
    "legend.cluster": {
        "zh": "聚合点：圆环为四色占比，中间为企业数",
        "en": "Cluster: the ring is the class mix, the number its enterprises",
    },
    "legend.cluster_red": {"zh": "红点：其中有红色企业", "en": "Red dot: a red enterprise inside"},
    "legend.hazard": {
        "zh": "菱形内数字为 GB 18218 分级，一级最高",
        "en": "number = GB 18218 level, level 1 highest",
    },
    "hazard.level": {"zh": "等级", "en": "Level"},
    # emergency resources (layers.resources): type, the glyph in its symbol, its figures
    "resource.type.rescue_team": {"zh": "救援队伍", "en": "Rescue team"},
    "resource.type.material_store": {"zh": "物资储备库", "en": "Material store"},
    "resource.type.shelter": {"zh": "避难场所", "en": "Shelter"},
    "resource.type.fire_station": {"zh": "消防站", "en": "Fire station"},
    "resource.type.medical": {"zh": "医疗机构", "en": "Medical unit"},
    "resource.type.expert": {"zh": "专家", "en": "Expert"},
    "resource.glyph.rescue_team": {"zh": "队", "en": "R"},
    "resource.glyph.material_store": {"zh": "物", "en": "M"},
    "resource.glyph.shelter": {"zh": "避", "en": "S"},
    "resource.glyph.fire_station": {"zh": "消", "en": "F"},
    "resource.glyph.medical": {"zh": "医", "en": "+"},
    "resource.glyph.expert": {"zh": "专", "en": "E"},
    "resource.members": {"zh": "人员 {n} 人", "en": "{n} members"},
    "resource.speciality": {"zh": "专长", "en": "Speciality"},
    "resource.items": {"zh": "储备", "en": "Stock"},
    "resource.capacity": {"zh": "可容纳 {n} 人", "en": "Holds {n} people"},
    "resource.open": {"zh": "已开放", "en": "open"},
    "resource.closed": {"zh": "未开放", "en": "not open"},
    "resource.beds": {"zh": "床位 {n}", "en": "{n} beds"},
    "resource.ambulances": {"zh": "救护车 {n} 辆", "en": "{n} ambulances"},
    "resource.phone": {"zh": "电话", "en": "Phone"},
    "resource.contact": {"zh": "联系人", "en": "Contact"},
    # sensitive targets (layers.targets)
    "target.type.school": {"zh": "学校", "en": "School"},
    "target.type.kindergarten": {"zh": "幼儿园", "en": "Kindergarten"},
    "target.type.hospital": {"zh": "医院", "en": "Hospital"},
    "target.type.care_home": {"zh": "养老院", "en": "Care home"},
    "target.type.residential": {"zh": "居民区", "en": "Residential area"},
    "target.type.market": {"zh": "商场", "en": "Market"},
    "target.type.station": {"zh": "车站", "en": "Station"},
    "target.type.water_source": {"zh": "水源地", "en": "Water source"},
    "target.glyph.school": {"zh": "校", "en": "Sc"},
    "target.glyph.kindergarten": {"zh": "幼", "en": "Kg"},
    "target.glyph.hospital": {"zh": "医", "en": "H"},
    "target.glyph.care_home": {"zh": "老", "en": "Ca"},
    "target.glyph.residential": {"zh": "居", "en": "Re"},
    "target.glyph.market": {"zh": "商", "en": "Mk"},
    "target.glyph.station": {"zh": "站", "en": "St"},
    "target.glyph.water_source": {"zh": "水", "en": "W"},
    "target.people": {"zh": "通常约 {n} 人", "en": "usually about {n} people"},
    "target.contact": {"zh": "联系人", "en": "Contact"},
    "legend.resources": {"zh": "谁能帮忙：实心绿色", "en": "Who can help: filled green"},
    "legend.targets": {
        "zh": "要保护的：空心圆，放大到 {z} 级以上显示",
        "en": "What to protect: outlined, shown from zoom {z}",
    },
    "control.accepted": {"zh": "自动化控制已验收", "en": "Automated control accepted"},
    "control.installing": {"zh": "自动化控制建设中", "en": "Automated control being installed"},
    # badges on the map: never a lone letter that reads like a hazard level (L1-L4)
    "listing.short.province": {"zh": "省", "en": "Pr"},
    "listing.short.city": {"zh": "市", "en": "Ci"},
    "listing.short.county": {"zh": "县", "en": "Co"},
    "listing.short.rolling": {"zh": "滚", "en": "Ro"},
    "listed.deadline": {"zh": "整改期限", "en": "Deadline"},
    "listed.overdue": {"zh": "已逾期", "en": "overdue"},
    "alarm.peak": {"zh": "峰值", "en": "Peak"},
    "alarm.here": {"zh": "此处共 {n} 条在办报警", "en": "{n} open alarms here"},
    "unit.wan": {"zh": "万", "en": "×10k"},
    "scope.label": {"zh": "当前范围", "en": "Scope"},
    "brief.menu": {"zh": "汇报材料", "en": "Briefing"},
    "brief.title": {"zh": "汇报幻灯片", "en": "Briefing slides"},
    "brief.bad_period": {"zh": "统计期有误：{error}", "en": "Bad period: {error}"},
    "brief.no_grid": {"zh": "找不到网格 {grid}", "en": "No grid {grid}"},
    "brief.busy": {
        "zh": "正在生成其他汇报材料，请稍后刷新",
        "en": "Other briefings are being made; reload in a moment",
    },
    "brief.pdf": {"zh": "PDF", "en": "PDF"},
    "brief.docx": {"zh": "Word", "en": "Word"},
    "brief.slides": {"zh": "幻灯片", "en": "Slides"},
    "brief.monthly": {"zh": "每月 1 日自动生成", "en": "Made on the 1st of each month"},
    "punct.colon": {"zh": "：", "en": ": "},
    "punct.list": {"zh": "、", "en": ", "},
    "panel.close": {"zh": "关闭", "en": "Close"},
    "panel.summary": {"zh": "区域概况", "en": "Area summary"},
    "panel.dossier": {"zh": "一企一档", "en": "Enterprise dossier"},
    "panel.not_found": {"zh": "找不到该企业", "en": "Enterprise not found"},
    "field.enterprise": {"zh": "企业", "en": "Enterprise"},
    "role.viewer": {"zh": "只读", "en": "viewer"},
    "role.operator": {"zh": "值班员", "en": "operator"},
    "role.admin": {"zh": "管理员", "en": "admin"},
    "sensor.trends": {"zh": "近 24 小时趋势", "en": "Last 24 hours"},
    "sensor.offline": {"zh": "离线", "en": "offline"},
    "field.credit_code": {"zh": "统一社会信用代码", "en": "Credit code"},
    "field.industry": {"zh": "行业", "en": "Industry"},
    "field.address": {"zh": "地址", "en": "Address"},
    "field.employees": {"zh": "从业人数", "en": "Employees"},
    "field.safety_class": {"zh": "四色等级", "en": "Safety class"},
    "field.risk_tags": {"zh": "风险标签", "en": "Risk tags"},
    "field.grid": {"zh": "所属网格", "en": "Grid"},
    "field.grid_worker": {"zh": "网格员", "en": "Grid worker"},
    "field.flags": {"zh": "互助 / 托管", "en": "Mutual aid / trusteeship"},
    "field.self_report": {"zh": "最近自查自报", "en": "Last self-report"},
    "section.class_history": {"zh": "等级变更记录", "en": "Class history"},
    "section.dangers": {"zh": "隐患", "en": "Hidden dangers"},
    "section.hazards": {"zh": "重大危险源", "en": "Major hazards"},
    "section.sensors": {"zh": "监测点位", "en": "Sensors"},
    "section.alarms": {"zh": "报警记录", "en": "Alarms"},
    "dangers.open": {"zh": "未整改", "en": "open"},
    "dangers.overdue": {"zh": "逾期", "en": "overdue"},
    "dangers.rectified": {"zh": "已整改", "en": "rectified"},
    "dangers.days_overdue": {"zh": "逾期 {n} 天", "en": "{n} days overdue"},
    "sensor.latest": {"zh": "最新值", "en": "Latest"},
    "sensor.no_data": {"zh": "暂无数据", "en": "no data yet"},
    "common.none": {"zh": "无", "en": "none"},
    "common.yes": {"zh": "是", "en": "yes"},
    "common.no": {"zh": "否", "en": "no"},
    "strip.title": {"zh": "最新报警", "en": "Latest alarms"},
    "strip.none": {"zh": "暂无报警", "en": "No alarms"},
    "alarm.what": {"zh": "报警内容", "en": "What"},
    "alarm.rule.threshold": {"zh": "超限", "en": "over limit"},
    "alarm.rule.offline": {"zh": "离线", "en": "offline"},
    "alarm.rule.scene": {"zh": "AI 识别", "en": "AI scene"},
    "alarm.state.open": {"zh": "待确认", "en": "open"},
    "alarm.state.acknowledged": {"zh": "已确认", "en": "acknowledged"},
    "alarm.state.dispatched": {"zh": "已派发", "en": "dispatched"},
    "alarm.state.disposed": {"zh": "已处置", "en": "disposed"},
    "alarm.state.closed": {"zh": "已消警", "en": "closed"},
    "alarm.recovered": {"zh": "已恢复正常", "en": "back to normal"},
    "alarm.escalated": {"zh": "超时未确认·已升级", "en": "escalated: not acknowledged in time"},
    "alarm.count": {"zh": "次数", "en": "Count"},
    "alarm.opened": {"zh": "发生时间", "en": "Opened"},
    "alarm.value": {"zh": "当前值", "en": "Value"},
    "alarm.state": {"zh": "状态", "en": "State"},
    "alarm.assignee": {"zh": "处置人/单位", "en": "Assigned to"},
    "alarm.due": {"zh": "处置时限", "en": "Due"},
    "alarm.due_zone": {"zh": "北京时间", "en": "China time, UTC+8"},
    "alarm.due_date": {"zh": "日期", "en": "Date"},
    "alarm.due_time": {"zh": "时:分（24 小时制）", "en": "hh:mm (24-hour)"},
    "alarm.feedback": {"zh": "处置反馈", "en": "Feedback"},
    "alarm.reason": {"zh": "消警原因", "en": "Reason for closing"},
    "alarm.note": {"zh": "备注", "en": "Note"},
    "alarm.events": {"zh": "处置记录", "en": "History"},
    "alarm.last_data": {"zh": "最后数据", "en": "last data"},
    "alarm.system": {"zh": "系统", "en": "system"},
    "alarm.list": {"zh": "报警处置", "en": "Alarm handling"},
    "alarm.list_open": {"zh": "在办报警", "en": "Open alarms"},
    "alarm.pick": {"zh": "在左侧选择一条报警", "en": "Pick an alarm on the left"},
    "alarm.viewer_only": {
        "zh": "只读账号：处置报警需要值班员（operator）权限并登录。",
        "en": "Read only: handling alarms needs an operator to sign in.",
    },
    "alarm.done": {"zh": "已记录", "en": "Recorded"},
    "alarm.sound_on": {"zh": "声音：开", "en": "Sound: on"},
    "alarm.sound_off": {"zh": "声音：关", "en": "Sound: off"},
    "alarm.quick_reasons": {
        "zh": "误报;设备故障已报修;险情已处置;传感器标定/维护;演练测试",
        "en": "False alarm;Device fault reported;Danger dealt with;Sensor maintenance;Drill/test",
    },
    **{
        f"alarm.action.{a}": {"zh": zh, "en": en}
        for a, zh, en in (
            ("open", "报警产生", "opened"),
            ("repeat", "再次超限", "repeated"),
            ("level_up", "升级为报警", "level raised"),
            ("recover", "恢复正常", "back to normal"),
            ("escalate", "超时升级", "escalated"),
            ("acknowledge", "确认", "Acknowledge"),
            ("dispatch", "派发", "Dispatch"),
            ("dispose", "处置反馈", "Dispose"),
            ("close", "消警", "Close alarm"),
        )
    },
    **{
        f"alarm.error.{code}": {"zh": zh, "en": en}
        for code, zh, en in (
            (
                "wrong_state",
                "当前状态下不能这样操作（可能已被他人处理）",
                "Not allowed in this state (someone may have acted already)",
            ),
            ("assignee_required", "请填写处置人或单位", "Name a person or unit"),
            ("due_required", "请填写处置时限", "Give a due time"),
            ("due_past", "处置时限已过", "The due time is already past"),
            ("bad_due", "处置时限格式不对", "The due time is not valid"),
            ("due_too_far", "处置时限不能超过一年", "The due time is more than a year ahead"),
            ("feedback_required", "请填写处置反馈", "Write the feedback"),
            ("reason_required", "消警需要填写原因", "Closing needs a reason"),
            ("too_long", "内容过长", "Too long"),
            ("bad_field", "内容格式不对", "Invalid input"),
            ("unknown_action", "未知操作", "Unknown action"),
            ("forbidden", "需要值班员（operator）权限", "Needs the operator role"),
            ("not_found", "报警不存在", "No such alarm"),
        )
    },
    **{
        f"rank.part.{code}": {"zh": zh, "en": en}
        for code, zh, en in (
            ("rectification", "隐患整改率", "Rectification rate"),
            ("overdue", "逾期隐患控制", "Overdue control"),
            ("campaign", "专项任务完成", "Campaign tasks"),
            ("alarm_handling", "报警响应时长", "Alarm response time"),
            ("self_report", "自查自报覆盖", "Self-report coverage"),
        )
    },
    **{
        f"rank.short.{code}": {"zh": zh, "en": en}
        for code, zh, en in (
            ("rectification", "整改", "Rect."),
            ("overdue", "逾期", "Late"),
            ("campaign", "专项", "Camp."),
            ("alarm_handling", "报警", "Alarm"),
            ("self_report", "自查", "Self"),
        )
    },
    **{
        f"task_error.{code}": {"zh": zh, "en": en}
        for code, zh, en in (
            ("not_found", "任务不存在", "No such task"),
            ("bad_status", "状态不正确", "Unknown status"),
            ("bad_progress", "进度须为0–100的整数", "Progress is a whole number 0–100"),
            ("bad_url", "链接须以 http:// 或 https:// 开头", "The link must start with http(s)://"),
            ("forbidden", "需要值班员（operator）权限", "Needs the operator role"),
        )
    },
    **{
        f"source.{code}": {"zh": zh, "en": code.replace("_", " ")}
        for code, (zh, _a) in DANGER_SOURCES.items()
    },
    **{
        f"task.{code}": {"zh": zh, "en": code.replace("_", " ")}
        for code, (zh, _a) in TASK_STATUSES.items()
    },
    **{
        f"enforcement.{code}": {"zh": zh, "en": ENFORCEMENT_EN[code]}
        for code, (zh, _a) in ENFORCEMENT_KINDS.items()
    },
    **{
        f"tag.{code}": {"zh": zh, "en": code.replace("_", " ")}
        for code, (zh, _aliases) in RISK_TAGS.items()
    },
    **{
        f"status.{code}": {"zh": zh, "en": code.replace("_", " ")}
        for code, (zh, _a) in DANGER_STATUSES.items()
    },
    **{f"severity.{code}": {"zh": zh, "en": code} for code, (zh, _a) in SEVERITIES.items()},
    **{
        f"scene.{code}": {"zh": zh, "en": code.replace("_", " ")}
        for code, (zh, _a) in AI_SCENES.items()
    },
    **{
        f"kind.{code}": {"zh": zh, "en": code.replace("_", " ")}
        for code, (zh, _a) in SENSOR_KINDS.items()
    },
    **{
        f"incident.kind.{code}": {"zh": zh, "en": INCIDENT_EN[code]}
        for code, (zh, _a) in INCIDENT_KINDS.items()
    },
    **INCIDENT_LABELS,
    **WALL_LABELS,
    **REVIEW_LABELS,
}


def t(key: str, lang: str = "zh") -> str:
    """The label for a key in a language (Chinese when the language is unknown)."""
    entry = CATALOG[key]
    return entry.get(lang) or entry["zh"]


def format_stats(doc: dict[str, Any], lang: str = "zh") -> str:
    """The KPI document as a few readable lines (for `onemap stats` without --json)."""
    g, e, h = doc["grids"], doc["enterprises"], doc["hidden_dangers"]
    grid = doc["grid"] or {}
    classes = " ".join(
        f"{t(f'class.{c}', lang)} {e[c]:,}" for c in ("green", "blue", "yellow", "red")
    )
    mh = doc["major_hazards"]
    listed = " ".join(f"{t(f'listing.{k}', lang)} {v}" for k, v in doc["listed_dangers"].items())
    lines = [
        f"{grid.get('name', '')} ({grid.get('code', '')})",
        f"{t('kpi.grids', lang)}: {g['1']}/{g['2']}/{g['3']}/{g['4']} "
        f"({t('kpi.grid_levels', lang)})",
        f"{t('kpi.enterprises', lang)}: {e['total']:,} — {classes}",
        f"{t('kpi.hidden_dangers', lang)}: {t('kpi.found', lang)} {h['found']:,}, "
        f"{t('kpi.rectified', lang)} {h['rectified']:,}, {t('kpi.rate', lang)} {h['rate']:.2%}, "
        f"{t('kpi.overdue', lang)} {h['overdue']:,}, {t('kpi.major', lang)} {h['major']:,}",
        f"{t('kpi.major_hazards', lang)}: {mh['total']} "
        + " ".join(
            f"{t('kpi.level_n', lang).format(n=k[-1])} {mh[k]}"
            for k in ("level_1", "level_2", "level_3", "level_4")
        ),
        f"{t('kpi.listed', lang)}: {listed}",
    ]
    for c in doc["campaigns"]:
        name = c["name"] if lang == "zh" else (c.get("name_en") or c["name"])
        lines.append(f"{t('kpi.campaigns', lang)} {name}: {c['done']}/{c['tasks']}")
    cm = doc["committees"]
    lines.append(
        f"{t('kpi.committees', lang)} {cm['count']}: {t('kpi.meetings', lang)} {cm['meetings']}, "
        f"{t('kpi.inspections', lang)} {cm['inspections']}, "
        f"{t('kpi.joint_enforcement', lang)} {cm['joint_enforcement']}"
    )
    a = doc["alarms"]
    lines.append(
        f"{t('kpi.alarms', lang)}: {a['open']} ({t('alarm.level_2', lang)} {a['level_2']}, "
        f"{t('alarm.level_1', lang)} {a['level_1']})"
    )
    return "\n".join(lines)


def js_labels(lang: str) -> dict[str, str]:
    """The labels the map's browser functions show (passed to them in each layer's hideout)."""
    prefixes = (
        "class.",
        "metric.",
        "control.",
        "listing.short.",
        "listed.",
        "alarm.",
        "hazard.",
        "resource.",
        "target.",
        "unit.",
        "incident.",
        "zone.",
    )
    return {k: t(k, lang) for k in CATALOG if k.startswith(prefixes)}
