"""Chinese templates for exercises/feedback.py (the messages every check shares), and the names the lessons' checks
give to a learner's result in those messages (``tensor_answer(…, tr("the result"))``)."""

MESSAGES: dict[str, str] = {
    # how a message names the learner's value
    "your function": "你的函数",
    "your answer": "你的答案",
    "the result": "返回值",
    # what came back is not what the exercise asks for
    "a {dtype} tensor of shape {shape} on {device}": "一个位于 {device} 上、形状为 {shape} 的 {dtype} 张量",
    "pass your function itself to the check (check_…(my_function), without parentheses); got {kind}": (
        "请把函数本身传给检查函数（check_…(my_function)，函数名后不加括号）；收到的是 {kind}"
    ),
    "{name} must return a single number, got {kind}": "{name} 必须返回单个数，却返回了 {kind}",
    "{name} must return a real number, got a complex tensor": "{name} 必须返回实数，却返回了一个复数张量",
    " (did you forget `return`?)": "（是不是忘了写 `return`？）",
    "{name} must return a number, got {kind}{hint}": "{name} 必须返回一个数，却返回了 {kind}{hint}",
    "{name} must return a number; reading it raised {error_type}: {error}": (
        "{name} 必须返回一个数；读取返回值时抛出了 {error_type}：{error}"
    ),
    "{name} returned nan (a 0/0 or the log of a negative number?)": "{name} 返回了 nan（是否出现了 0/0 或对负数取对数？）",
    "{name} is not implemented yet: replace `raise NotImplementedError` with your code": (
        "{name} 还没有实现：请用你的代码替换 `raise NotImplementedError`"
    ),
    "{name} raised {error_type}: {error}": "{name} 抛出了 {error_type}：{error}",
    "{name} is None: did you forget `return`?": "{name} 是 None：是不是忘了写 `return`？",
    "{name} is a complex tensor; expected real numbers": "{name} 是复数张量；这里需要实数",
    "{name} must be a tensor of shape {shape}, got {kind}": "{name} 必须是形状为 {shape} 的张量，却是 {kind}",
    "{name} must be a tensor of shape {shape}; could not read {kind} as one ({error_type}: {error})": (
        "{name} 必须是形状为 {shape} 的张量；无法把 {kind} 读成张量（{error_type}：{error}）"
    ),
    "{name} has shape {got}; expected {shape}": "{name} 的形状是 {got}；应为 {shape}",
    "{name} contains nan at {count} of {total} entries": "{name} 的 {total} 个元素中有 {count} 个是 nan",
    "your answer could not be checked ({error_type}: {error}); the exercise says what to return — a number, a pair "
    "or a tensor of a given shape": (
        "无法检查你的答案（{error_type}：{error}）；练习说明了应返回什么——一个数、一对数，或给定形状的张量"
    ),
}
