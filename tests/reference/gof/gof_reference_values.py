"""Reference values for the Gaussianity tests, each with its source.

Tolerances live in tests/gof/test_gof_reference.py next to each comparison, with the reason.
"""

# --------------------------------------------------------------------------------------
# Shapiro & Wilk (1965), Biometrika 52, 591-611: the 25-value example as transcribed in
# scipy's test suite (scipy/stats/tests/test_morestats.py::TestShapiro::test_basic, "x4",
# "Extracted from original paper"); W and p are the values quoted there (5 and 3
# significant digits), which R's shapiro.test reproduces.
# --------------------------------------------------------------------------------------
SW1965 = [0.139, 0.157, 0.175, 0.256, 0.344, 0.413, 0.503, 0.577, 0.614,
          0.655, 0.954, 1.392, 1.557, 1.648, 1.690, 1.994, 2.174, 2.206,
          3.245, 3.510, 3.571, 4.354, 4.980, 6.084, 8.351]
SW1965_W = 0.83467
SW1965_P = 0.000914

# --------------------------------------------------------------------------------------
# mtcars$mpg (R datasets package; Henderson & Velleman 1981), 32 values.
# R:  shapiro.test(mtcars$mpg)        -> W = 0.94756, p-value = 0.1229
# R:  nortest::ad.test(mtcars$mpg)    -> A = 0.57968, p-value = 0.1207
# K², JB: scipy (see make_reference.py for the command and the printed values).
# --------------------------------------------------------------------------------------
MTCARS_MPG = [21.0, 21.0, 22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8, 16.4,
              17.3, 15.2, 10.4, 10.4, 14.7, 32.4, 30.4, 33.9, 21.5, 15.5, 15.2, 13.3,
              19.2, 27.3, 26.0, 30.4, 15.8, 19.7, 15.0, 21.4]
MTCARS_SW = (0.94756, 0.1229)
MTCARS_AD = (0.57968, 0.1207)
MTCARS_K2 = (2.714135080337956, 0.25741452900583284)    # scipy.stats.normaltest
MTCARS_JB = (2.241155261284692, 0.32609137983800235)    # scipy.stats.jarque_bera (R tseries: X-squared = 2.2412)

# --------------------------------------------------------------------------------------
# R values quoted in scipy's tests (scipy 1.17.1).
# --------------------------------------------------------------------------------------
# scipy/stats/tests/test_stats.py::NormalityTests::test_against_R
#   library(fBasics); options(digits=16); x = c(-2, -1, 0, 1, 2, 3)**2; x = rep(x, times=4)
#   dagoTest(x)  -> omnibus K² and p
DAGO_X = [v ** 2 for v in (-2.0, -1.0, 0.0, 1.0, 2.0, 3.0) * 4]
DAGO_K2 = (3.92371918158185551, 0.14059672529747502)

# scipy/stats/tests/test_stats.py::TestJarqueBera::test_jarque_bera_against_R
#   library(tseries); options(digits=16); jarque.bera.test(x)
JB_X = [-0.160104223201523288, 1.131262000934478040, -0.001235254523709458,
        -0.776440091309490987, -2.072959999533182884]
JB_R = (0.17651605223752, 0.9155246169805)

# scipy/stats/tests/test_morestats.py::TestShapiro::test_gh14462
#   options(digits=16); x = c(0.00000000e+00, 3.39996924e-08, -6.35166875e-09); shapiro.test(x)
SW_GH14462_X = [0.00000000e+00, 3.39996924e-08, -6.35166875e-09]
SW_GH14462 = (0.86468431705371, 0.2805581751566)

# scipy/stats/tests/test_morestats.py::TestShapiro::test_length_3_gh18322
#   options(digits=16); x = c(-0.7746653110021126, -0.4344432067942129, 1.8157053280290931)
#   shapiro.test(x)
SW_N3_X = [-0.7746653110021126, -0.4344432067942129, 1.8157053280290931]
SW_N3 = (0.84658770645509, 0.2313666489882)

# --------------------------------------------------------------------------------------
# R values quoted in statsmodels' tests (statsmodels 0.15.0):
# statsmodels/stats/tests/test_diagnostic.py::TestDiagnosticG::test_normality.
# Data: residuals of OLS of 400*diff(log(realinv)) on a constant, 400*diff(log(realgdp))
# and realint[:-1] (macrodata, shipped with statsmodels; see macrodata_residuals() in the
# tests). R:  library(nortest); lillie.test(residuals(fm)); ad.test(residuals(fm)); ...
# --------------------------------------------------------------------------------------
MACRO_LILLIE_1 = (0.0723390908786589, 0.01204113540102896)     # lillie.test(resid)
MACRO_LILLIE_2 = (0.301311621898024, 1.004305736618051e-51)    # lillie.test(resid**2)
MACRO_LILLIE_3 = (0.1333956004203103, 0.455683)                # lillie.test(resid[1:20])
MACRO_AD_1 = (1.602209621518313, 0.0003937979149362316)        # ad.test(resid)
MACRO_AD_3 = (0.3017073732210775, 0.5443499281265933)          # ad.test(resid[1:20])
