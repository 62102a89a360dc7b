"""Chinese templates for exercises/lesson03.py (lessons 03a and 03b: the reverse process, the bound and the simplified
loss)."""

MESSAGES: dict[str, str] = {
    # _pair: an answer that should be two numbers
    "return a pair ({names}); got {kind}": "请返回一对数（{names}）；你返回的是 {kind}",
    "the first": "第一个数",
    "the second": "第二个数",
    "{problem} — return a pair ({names})": "{problem}——请返回一对数（{names}）",
    # check_jump_mean_eps_form
    "coefficient of x_t, coefficient of ε": "x_t 的系数, ε 的系数",
    " — swapped? the first is the coefficient of x_t, the second that of ε": "——是不是弄反了？第一个是 x_t 的系数，第二个是 ε 的系数",
    " — the sign of ε: x_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t, so ε enters with a minus": (
        "——ε 的符号：x_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t，所以 ε 前面是负号"
    ),
    " — that is the x_0 form's pair of coefficients: substitute x_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t": (
        "——这是 x_0 形式的两个系数：还要代入 x_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t"
    ),
    " — the noise in x_t is scaled by √(1 − ᾱ_t), not 1 − ᾱ_t": "——x_t 中噪声的系数是 √(1 − ᾱ_t)，不是 1 − ᾱ_t",
    " — both terms carry the factor 1/√(ᾱ_t/ᾱ_s): the ε term lost it": (
        "——两项都带有因子 1/√(ᾱ_t/ᾱ_s)：ε 那一项把它丢了"
    ),
    " — that is x̂_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t, the jump all the way to s = 0: use the ratio ᾱ_t/ᾱ_s": (
        "——这是 x̂_0 = (x_t − √(1 − ᾱ_t) ε)/√ᾱ_t，即一直跳回 s = 0 的结果：应使用比值 ᾱ_t/ᾱ_s"
    ),
    "alpha_bar_t={a_t}, alpha_bar_s={a_s}: your a·x_t + b·ε differs from the x_0 form at random points; expected "
    "(a, b) = ({a:.6g}, {b:.6g}), got ({ga:.6g}, {gb:.6g}){hint}": (
        "alpha_bar_t={a_t}, alpha_bar_s={a_s}：在随机点上，你的 a·x_t + b·ε 与 x_0 形式不相等；"
        "(a, b) 应为 ({a:.6g}, {b:.6g})，你的结果是 ({ga:.6g}, {gb:.6g}){hint}"
    ),
    "the jump posterior mean = (x_t − (1 − r)/√(1 − ᾱ_t)·ε)/√r with r = ᾱ_t/ᾱ_s: section 2's one-step form with α_t → r, β_t → 1 − r": (
        "跳跃后验均值 = (x_t − (1 − r)/√(1 − ᾱ_t)·ε)/√r，其中 r = ᾱ_t/ᾱ_s：就是第 2 节的单步形式，把 α_t 换成 r、"
        "β_t 换成 1 − r"
    ),
    # check_min_weight_step
    " — w_t is not monotone: it falls, then rises again as β_t keeps growing": (
        "——w_t 不是单调的：它先下降，随着 β_t 继续增大又回升"
    ),
    " — small t is where w_t is largest, not smallest": "——t 较小时 w_t 最大，而不是最小",
    " — the middle of the schedule is not special: set the derivative of ln w_t to zero": (
        "——调度的正中间并没有什么特别：令 ln w_t 的导数为零"
    ),
    " — that is where ᾱ_t ≈ ½; the minimum solves e^u − 1 = 2u, u = β_T t²/(2T)": (
        "——这是 ᾱ_t ≈ ½ 的位置；最小值满足 e^u − 1 = 2u，其中 u = β_T t²/(2T)"
    ),
    " — that takes u = 1; solve e^u − 1 = 2u for u (about 1.26)": "——这相当于取 u = 1；请解 e^u − 1 = 2u（u 约为 1.26）",
    " — t = 1 is the decoder's term L_0, not an L_(t−1)": "——t = 1 是解码器项 L_0，不是某个 L_(t−1)",
    "T={T}, beta from {beta_1} to {beta_T}: w_t is smallest at paper step {ran}, your prediction {got:.4g}{hint}": (
        "T={T}，beta 从 {beta_1} 到 {beta_T}：w_t 在论文步 {ran} 处最小，你的预测是 {got:.4g}{hint}"
    ),
    "w_t ≈ β_t/(2(1 − ᾱ_t)) is smallest where e^u − 1 = 2u, u = β_T t²/(2T) ≈ 1.26: there ᾱ_t ≈ 0.28, whatever T": (
        "w_t ≈ β_t/(2(1 − ᾱ_t)) 在 e^u − 1 = 2u、u = β_T t²/(2T) ≈ 1.26 处最小：无论 T 是多少，那里都有 ᾱ_t ≈ 0.28"
    ),
    # check_sum_from_random_steps
    " — it drew paper step {step}: paper steps run from 1 to T": "——它抽到了论文步 {step}：论文步的范围是 1 到 T",
    " — the largest paper step it drew is {high}, never T = {T}: which steps can your call draw?": (
        "——它抽到的最大论文步是 {high}，从来没有 T = {T}：你的调用能抽到哪些步？"
    ),
    " — it never called term: the estimate is built from term at the steps you draw": (
        "——它从没调用 term：估计要由你抽到的那些步上的 term 值算出"
    ),
    " — two slips: your estimate is close to the mean of the terms at the steps it drew (how does a mean over uniform "
    "t relate to the sum?), and it drew paper step {step}, with T = {T}": (
        "——两处错误：你的估计接近它抽到的那些步上各项的平均值（对均匀分布的 t 取平均与求和是什么关系？），"
        "而且它抽到了论文步 {step}，而 T = {T}"
    ),
    " — two slips: your estimate is close to the mean of the terms at the steps it drew (how does a mean over uniform "
    "t relate to the sum?), and the largest paper step it drew is {high}, with T = {T}": (
        "——两处错误：你的估计接近它抽到的那些步上各项的平均值（对均匀分布的 t 取平均与求和是什么关系？），"
        "而且它抽到的最大论文步是 {high}，而 T = {T}"
    ),
    " — your estimate is close to the exact sum divided by T: how does a mean over uniform t relate to the sum?": (
        "——你的估计接近精确和除以 T：对均匀分布的 t 取平均与求和是什么关系？"
    ),
    "T={T}: the exact sum of the terms is {exact:.4g}, your estimate {got:.4g}{hint}": (
        "T={T}：各项之和的精确值是 {exact:.4g}，你的估计是 {got:.4g}{hint}"
    ),
    "Σ_t f(t) = T · E_(t uniform on 1…T)[f(t)]: one random step per image, times T": (
        "Σ_t f(t) = T · E_(t 在 1…T 上均匀)[f(t)]：每张图像随机取一步，再乘以 T"
    ),
    # check_jump_posterior_variance
    " — precisions add, not variances: take 1/(ratio/(1 − ratio) + 1/(1 − ᾱ_s))": (
        "——相加的是精度（方差的倒数），不是方差：取 1/(ratio/(1 − ratio) + 1/(1 − ᾱ_s))"
    ),
    " — that is the jump's own variance 1 − ᾱ_t/ᾱ_s; knowing x_0 as well multiplies it by (1 − ᾱ_s)/(1 − ᾱ_t)": (
        "——这是这一跳本身的方差 1 − ᾱ_t/ᾱ_s；再已知 x_0 时，还要乘以 (1 − ᾱ_s)/(1 − ᾱ_t)"
    ),
    " — the jump's x_s coefficient is √(ᾱ_t/ᾱ_s): its square ᾱ_t/ᾱ_s, not ᾱ_t, enters the precision": (
        "——这一跳中 x_s 的系数是 √(ᾱ_t/ᾱ_s)：进入精度的是它的平方 ᾱ_t/ᾱ_s，而不是 ᾱ_t"
    ),
    " — that is the variance of q(x_s | x_0); conditioning on x_t shrinks it": (
        "——这是 q(x_s | x_0) 的方差；再以 x_t 为条件会让它变小"
    ),
    "alpha_bar_t={a_t}, alpha_bar_s={a_s}: expected {expected:.6g}, got {got:.6g}{hint}": (
        "alpha_bar_t={a_t}, alpha_bar_s={a_s}：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    "Var = (1 − ᾱ_s)(1 − ᾱ_t/ᾱ_s)/(1 − ᾱ_t); with s = t − 1 it is the posterior variance (beta_tilde_t)": (
        "Var = (1 − ᾱ_s)(1 − ᾱ_t/ᾱ_s)/(1 − ᾱ_t)；取 s = t − 1 时就是后验方差（beta_tilde_t）"
    ),
    # check_variances_agree_step
    " — that takes 1 − ᾱ_t ≈ Σ_(s≤t) β_s; it saturates: 1 − ᾱ_t ≈ 1 − exp(−Σ_(s≤t) β_s)": (
        "——这里用了 1 − ᾱ_t ≈ Σ_(s≤t) β_s；但它会饱和：1 − ᾱ_t ≈ 1 − exp(−Σ_(s≤t) β_s)"
    ),
    " — the two agree long before the end of the chain: beta_tilde_t/beta_t → 1 quickly": (
        "——两者远在链的末尾之前就已一致：beta_tilde_t/beta_t 很快趋于 1"
    ),
    " — the middle of the schedule is not special: solve 1 − beta_tilde_t/beta_t = tol for t": (
        "——调度的中点并没有什么特别：解方程 1 − beta_tilde_t/beta_t = tol 求 t"
    ),
    " — at small t the two differ most: beta_tilde_1 = 0": "——t 很小时两者相差最大：beta_tilde_1 = 0",
    "T={T}, beta from {beta_1} to {beta_T}, tol={tol}: your prediction {got:.4g} is more than 6% {direction}{hint}": (
        "T={T}，beta 从 {beta_1} 到 {beta_T}，tol={tol}：你的预测 {got:.4g} 偏差超过 6%，{direction}{hint}"
    ),
    "too early (the ratio is still below 1 − tol there)": "太早了（在那一步比值仍低于 1 − tol）",
    "too late (the ratio has passed 1 − tol before it)": "太晚了（比值在那之前就已超过 1 − tol）",
    "1 − beta_tilde_t/beta_t = ᾱ_(t−1)β_t/(1 − ᾱ_t): the two variances agree within 1% from paper step {step} of "
    "DDPM's schedule on": "1 − beta_tilde_t/beta_t = ᾱ_(t−1)β_t/(1 − ᾱ_t)：在 DDPM 的调度下，从论文步 {step} 起，两种方差相差不到 1%",
}
