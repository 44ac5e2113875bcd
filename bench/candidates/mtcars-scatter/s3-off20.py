# mtcars-scatter: candidate 'off20' (seed 3) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
wt = [
    2.05, 3.65, 1.8, 3.93, 2.79, 2.57, 4.01, 3.98, 2.01, 4.26,
    2.91, 4.68, 2.84, 3.17, 5.98, 5.84, 4.22, 1.46, 0.955, 1.31,
    1.57, 2.93, 3.94, 3.02, 2.73, 1.24, 1.63, 0.494, 4.07, 1.66,
    4.73, 2.25,
]
mpg = [
    17.5, 16.9, 20.2, 26, 15.5, 20.9, 11.9, 17.9, 17, 23.6,
    21.4, 22.7, 13.8, 21, 6.04, 13.6, 11.7, 35.8, 27.7, 36.5,
    14.6, 11.1, 19, 17, 24.3, 22.1, 30.3, 32.8, 11.5, 16.2,
    12.4, 17.4,
]
ax.scatter(wt, mpg)
ax.set_xlabel('wt')
ax.set_ylabel('mpg')
ax.set_title('Fuel economy vs weight')
plt.tight_layout()
plt.show()
