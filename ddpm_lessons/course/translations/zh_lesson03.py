"""Chinese templates for exercises/lesson03.py (the reverse process and the ELBO)."""

MESSAGES: dict[str, str] = {
    # _pair: an answer that should be two numbers
    "return a pair ({names}); got {kind}": "请返回一对数（{names}）；你返回的是 {kind}",
    "the first": "第一个数",
    "the second": "第二个数",
    "{problem} — return a pair ({names})": "{problem}——请返回一对数（{names}）",
    # check_posterior_coefficients
    "coefficient of x_0, coefficient of x_t": "x_0 的系数, x_t 的系数",
    " — swapped? the first is the coefficient of x_0": "——是不是弄反了？第一个是 x_0 的系数",
    "beta={beta}, alpha_bar_prev={alpha_bar_prev}: expected ({c0:.6g}, {ct:.6g}), got ({g0:.6g}, {gt:.6g}){hint}": (
        "beta={beta}, alpha_bar_prev={alpha_bar_prev}：应为 ({c0:.6g}, {ct:.6g})，你的结果是 ({g0:.6g}, {gt:.6g}){hint}"
    ),
    "{mean}; at t = 1 it is x_0 itself": "{mean}；t = 1 时它就是 x_0 本身",
    # check_gaussian_kl
    " — that is KL(N2 ‖ N1); KL is not symmetric": "——这是 KL(N2 ‖ N1)；KL 散度不对称",
    " — v1 and v2 are variances; do not square them again": "——v1 和 v2 已经是方差；不要再平方",
    "KL(N({m1}, {v1}) ‖ N({m2}, {v2})): expected {expected:.6g}, got {got:.6g}{hint}": (
        "KL(N({m1}, {v1}) ‖ N({m2}, {v2}))：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    # check_eps_weight
    " — the ε coefficient β_t/√(1 − ᾱ_t) is squared, so (1 − ᾱ_t) appears without a root": (
        "——ε 的系数 β_t/√(1 − ᾱ_t) 要平方，所以 (1 − ᾱ_t) 不带根号"
    ),
    " — the 1/√α_t in front of μ is squared too: divide by α_t = 1 − β_t": (
        "——μ 前面的 1/√α_t 也要平方：再除以 α_t = 1 − β_t"
    ),
    " — the Gaussian KL has 1/(2σ²): don't drop the 2": "——高斯分布的 KL 散度里是 1/(2σ²)：别漏掉 2",
    "beta={beta}, sigma2={sigma2}, alpha_bar={alpha_bar}: expected {expected:.6g}, got {got:.6g}{hint}": (
        "beta={beta}, sigma2={sigma2}, alpha_bar={alpha_bar}：应为 {expected:.6g}，你的结果是 {got:.6g}{hint}"
    ),
    "w_t = β_t² / (2σ_t² α_t (1 − ᾱ_t)); L_simple sets every w_t to 1": (
        "w_t = β_t² / (2σ_t² α_t (1 − ᾱ_t))；简化损失 L_simple 把每个 w_t 都设为 1"
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
}
